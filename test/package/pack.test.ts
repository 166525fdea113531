// The package as a user gets it: `npm pack`, installed from the tarball into an empty project, imported
// from plain Node ESM (no tsx) and type-checked as a consumer's TypeScript with `--module nodenext`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures.ts';

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });

let files: string[] = [];
let consumer = '';

beforeAll(() => {
  if (!existsSync(join(repoRoot, 'dist', 'index.js')))
    throw new Error('dist/ is missing: `npm run build` first (npm test does)');
  const out = mkdtempSync(join(tmpdir(), 'dtc-pack-'));
  // The build is the one `npm test` just made; prepack would only make it again.
  const [packed] = JSON.parse(
    run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], repoRoot),
  );
  files = packed.files.map((f: { path: string }) => f.path);
  consumer = mkdtempSync(join(tmpdir(), 'dtc-consumer-'));
  writeFileSync(
    join(consumer, 'package.json'),
    '{ "name": "consumer", "private": true, "type": "module" }\n',
  );
  // No install scripts: the SDK must import without the store's native module being built.
  run(
    'npm',
    [
      'install',
      '--ignore-scripts',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(out, packed.filename),
    ],
    consumer,
  );
}, 300_000);

describe('the packed package', () => {
  it('ships the build, its types, the CLI and the licence, and no tests, benches or configs', () => {
    for (const f of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/darktrace/index.d.ts',
      'bin/dtc.js',
      'LICENSE',
      'dist/console/index.html',
    ])
      expect(files).toContain(f);
    expect(files.some((f) => f.endsWith('.js.map'))).toBe(true);
    // The console is built in: `dtc start` serves it with nothing fetched at run time.
    expect(files.some((f) => /^dist\/console\/assets\/index-[\w-]+\.js$/.test(f))).toBe(true);
    const unwanted = files.filter((f) =>
      /^(test|bench|\.ci|node_modules)\/|^(biome\.json|tsconfig.*\.json|vitest\.config\.ts)$/.test(f),
    );
    expect(unwanted).toEqual([]);
  });

  it('imports from plain Node ESM: the SDK signs real requests to the packaged simulator', () => {
    writeFileSync(
      join(consumer, 'use.mjs'),
      `import { DarktraceClient, DarktraceAuthError } from 'darktrace-hub/sdk';
import { startSimulator } from 'darktrace-hub/simulator';
import { normalize, render } from 'darktrace-hub/normalize';
import * as root from 'darktrace-hub';
const sim = await startSimulator({ publicToken: 'pub', privateToken: 'priv', seed: 7 });
try {
  const dt = new DarktraceClient({ url: sim.url, publicToken: 'pub', privateToken: 'priv' });
  const [breach] = await dt.modelBreaches.list({ count: 1 });
  const bad = new DarktraceClient({ url: sim.url, publicToken: 'pub', privateToken: 'wrong', retries: 0 });
  const refused = await bad.modelBreaches.list({ count: 1 }).then(() => 'accepted', (e) => e instanceof DarktraceAuthError ? e.message : String(e));
  const ecs = JSON.parse(render(normalize(breach, { instance: 'lab' }), 'ecs'));
  console.log(JSON.stringify({ pbid: breach.pbid, refused, kind: ecs.event.kind, rootHasClient: root.DarktraceClient === DarktraceClient }));
} finally {
  await sim.close();
}
`,
    );
    const r = JSON.parse(run('node', ['use.mjs'], consumer));
    expect(r.pbid).toBeGreaterThan(0);
    expect(r.refused).toMatch(/SIGNATURE/i);
    expect(r.kind).toBe('alert');
    expect(r.rootHasClient).toBe(true);
  }, 60_000);

  it('type-checks a consumer with tsc --module nodenext, and rejects a wrong call', () => {
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = [
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--strict',
    ];
    const types = ['--types', 'node', '--typeRoots', join(repoRoot, 'node_modules', '@types'), '--noEmit'];
    writeFileSync(
      join(consumer, 'good.ts'),
      `import { DarktraceClient, type ModelBreach } from 'darktrace-hub/sdk';
import { type Detection, normalize } from 'darktrace-hub/normalize';
const dt = new DarktraceClient({ url: 'https://dt.example.com', publicToken: 'p', privateToken: 's' });
export async function latest(): Promise<number[]> {
  const breaches: ModelBreach[] = await dt.modelBreaches.list({ minscore: 0.5 });
  return breaches.map((b) => b.pbid);
}
export const family = (raw: object): Detection['key']['family'] => normalize(raw).key.family;
`,
    );
    expect(run('node', [tsc, ...flags, ...types, 'good.ts'], consumer)).toBe('');
    writeFileSync(
      join(consumer, 'bad.ts'),
      `import { DarktraceClient } from 'darktrace-hub/sdk';
const dt = new DarktraceClient({ url: 'https://dt.example.com', publicToken: 'p', privateToken: 's' });
export const x: string = dt.modelBreaches.list({ minscore: 'high' });
`,
    );
    let errors = '';
    try {
      run('node', [tsc, ...flags, ...types, 'bad.ts'], consumer);
    } catch (e: any) {
      errors = String(e.stdout);
    }
    expect(errors).toMatch(/bad\.ts\(3,/);
    expect(errors).not.toMatch(/TS5097|node_modules\/darktrace-hub/);
  }, 60_000);
});
