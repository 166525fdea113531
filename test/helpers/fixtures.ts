// Where the real Darktrace payloads the tests use live: test/fixtures/ in this repository (each folder's
// SOURCES.md gives origin, commit and licence). $DTC_FIXTURES points the tests at another copy.
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const fixturesDir = process.env.DTC_FIXTURES ?? path.join(repoRoot, 'test', 'fixtures');
