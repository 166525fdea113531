// Preload for test/cli/lazy.test.ts (node --import): writes the URL of every module the process loads,
// one a line, to the file named by DTC_TRACE_FILE: ES modules as the loader resolves them, and at exit
// every CommonJS module in the require cache (what CommonJS packages require() among themselves).
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const file = process.env.DTC_TRACE_FILE;
if (!file) throw new Error('DTC_TRACE_FILE is not set');
register('./trace-hooks.mjs', import.meta.url, { data: { file } });
const require = createRequire(import.meta.url);
process.on('exit', () => {
  const cjs = Object.keys(require.cache).map((p) => pathToFileURL(p).href);
  if (cjs.length) appendFileSync(file, `${cjs.join('\n')}\n`);
});
