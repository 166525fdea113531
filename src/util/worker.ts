// Worker threads from TypeScript sources: Node 20 workers do not inherit tsx's module hooks, and a tsx
// loader in every worker would cost each one a hooks thread and about 100 MB. So a worker body is
// bundled once with esbuild into node_modules/.cache (packages stay external, resolved from
// node_modules); a built package runs its .js body directly.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';

const built = new Map<string, URL>();

/**
 * The URL to start a worker from, for `<name>.ts` beside the module at `moduleUrl`. Bundled once per
 * process: a restarted worker (the syslog receiver's) reuses the bundle instead of rebuilding it.
 */
export function workerScript(name: string, moduleUrl: string): URL {
  if (!moduleUrl.endsWith('.ts')) return new URL(`./${name}.js`, moduleUrl);
  const key = `${moduleUrl}#${name}`;
  let url = built.get(key);
  if (!url) {
    url = bundle(name, moduleUrl);
    built.set(key, url);
  }
  return url;
}

function bundle(name: string, moduleUrl: string): URL {
  const entry = fileURLToPath(new URL(`./${name}.ts`, moduleUrl));
  let root = dirname(entry);
  while (root !== dirname(root)) {
    try {
      if (statSync(join(root, 'node_modules')).isDirectory()) break;
    } catch {}
    root = dirname(root);
  }
  const out = join(root, 'node_modules', '.cache', 'dtc', `${name}.mjs`);
  mkdirSync(dirname(out), { recursive: true });
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: out,
    logLevel: 'error',
  });
  return pathToFileURL(out);
}
