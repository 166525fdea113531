// Where the shared fixtures live: ../shared/fixtures beside the repo, or $DTC_FIXTURES.
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const fixturesDir = process.env.DTC_FIXTURES ?? path.resolve(repoRoot, '../shared/fixtures');
