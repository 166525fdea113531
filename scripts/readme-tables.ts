// Writes the README's tables of options from the components' specs (src/service/components.ts).
// `npm run docs:tables` after changing a spec; test/service/readme-tables.test.ts fails while they differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { withReadmeTables } from '../src/service/components.ts';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withReadmeTables(before);
if (after !== before) writeFileSync(path, after);
process.stdout.write(after === before ? 'README.md tables are up to date\n' : 'README.md tables rewritten\n');
