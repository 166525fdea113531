#!/usr/bin/env node
// The `dtc` command: the compiled CLI in dist/ (`npm install` in a clone builds it; `npm run build` again
// after changing src/).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('dtc: dist/ is missing: run `npm run build` in the package folder first\n');
  process.exit(1);
}
await (await import(main.href)).main(process.argv);
