// The file sink keeps whole lines only. A crash mid-append leaves a last line without its newline; the
// sink cuts it when it opens the file again, then appends, so the file always parses as NDJSON, and
// the torn record is delivered again because its offset never moved (at least once). Real files, a
// real store and the real offset worker; the crash itself is in file-crash.test.ts (kill -9 of dtc).
import { execFile } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ingestRecords } from '../../src/collect/ingest.ts';
import { openWholeLines, wholeLinesEnd } from '../../src/deliver/file.ts';
import { detectionOf, SinkWorker } from '../../src/deliver/worker.ts';
import { render } from '../../src/normalize/index.ts';
import { readModel } from '../../src/read/index.ts';
import type { Store } from '../../src/store/index.ts';
import { breachLine, tempStore, waitFor } from './helpers.ts';

const fast = { initialBackoffSeconds: 0.01, maxBackoffSeconds: 0.05, multiplier: 2 };

/** Every line of the file parsed; throws on the first that does not parse. */
function parseLines(path: string): { uid: string }[] {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((l, i) => {
      try {
        return JSON.parse(l);
      } catch {
        throw new Error(`line ${i + 1} is not JSON: ${l.slice(0, 80)}…`);
      }
    });
}

async function ingest(store: Store, from: number, n: number): Promise<void> {
  await ingestRecords(
    store,
    undefined,
    'test',
    Array.from({ length: n }, (_, i) => breachLine(from + i, 'dt-file')),
    'syslog',
  );
}

describe('file sink: whole lines only', () => {
  it('cuts a torn tail on restart, appends after it, and delivers the torn record again', async () => {
    const { store, dir } = await tempStore('dtc-file-torn-');
    const path = join(dir, 'out.ndjson');
    const warnings: string[] = [];
    const log = { info() {}, warn: (m: string) => warnings.push(m) };
    const cfg = { name: 'f', format: 'json' as const, url: `file://${path}`, batchSize: 5, retry: fast };
    await ingest(store, 1, 10);
    let w = new SinkWorker(store, cfg, { log, registry: new Registry() });
    await w.start();
    await waitFor(async () => (await store.sinkOffsets.get('f')) === 10 || undefined, 10_000, 'offset 10');
    await w.stop();
    expect(warnings).toEqual([]);

    // A crash in the middle of the next batch's append: two of its lines whole, the third cut short,
    // and the offset still at 10 (the batch was never acknowledged).
    await ingest(store, 11, 10);
    const before = readFileSync(path, 'utf8');
    const next = (await readModel(store).readLog(10, 3)).map((r) => render(detectionOf(r), 'json'));
    const torn = next[2].slice(0, Math.floor(next[2].length / 2));
    appendFileSync(path, `${next[0]}\n${next[1]}\n${torn}`);
    expect(() => parseLines(path)).toThrow();
    expect(await store.sinkOffsets.get('f')).toBe(10);

    w = new SinkWorker(store, cfg, { log, registry: new Registry() });
    await w.start();
    await waitFor(async () => (await store.sinkOffsets.get('f')) === 20 || undefined, 10_000, 'offset 20');
    await w.stop();

    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`cut a torn last line of ${Buffer.byteLength(torn)} bytes from ${path}`);
    const got = parseLines(path);
    // What was there stays; the torn piece is gone and the batch starts again right after the whole lines.
    expect(
      readFileSync(path, 'utf8').startsWith(`${before}${next[0]}\n${next[1]}\n${next.join('\n')}\n`),
    ).toBe(true);
    // Every stored record at least once; the two whole lines of the crashed batch twice, the torn one once.
    const keys = (await store.readLog(0, 100)).map((r) => r.key);
    const uids = got.map((d) => d.uid);
    expect(new Set(uids)).toEqual(new Set(keys));
    const count = (k: string) => uids.filter((u) => u === k).length;
    expect(keys.map(count)).toEqual(keys.map((_, i) => (i === 10 || i === 11 ? 2 : 1)));
    expect(uids).toHaveLength(22);
    await store.close();
  });

  it('finds the last whole line: empty, complete, torn, all torn, and torn across read chunks', async () => {
    const { store, dir } = await tempStore('dtc-file-end-');
    await store.close();
    const cases: [string, string, number][] = [
      ['empty', '', 0],
      ['complete', '{"a":1}\n{"b":2}\n', 16],
      ['torn', '{"a":1}\n{"b":', 8],
      ['no newline at all', '{"a":1', 0],
      ['a torn line longer than a read chunk', `{"a":1}\n{"b":"${'x'.repeat(200_000)}`, 8],
      ['a long whole line then a torn one', `{"a":"${'y'.repeat(150_000)}"}\n{"b`, 150_009],
    ];
    for (const [what, content, want] of cases) {
      const p = join(dir, `${what.replaceAll(' ', '-')}.ndjson`);
      writeFileSync(p, content);
      const fh = await open(p, 'r');
      try {
        expect(await wholeLinesEnd(fh), what).toBe(want);
      } finally {
        await fh.close();
      }
      let cut = -1;
      const h = await openWholeLines(p, (b) => (cut = b));
      await h.appendFile('{"next":true}\n');
      await h.close();
      expect(cut, what).toBe(want === Buffer.byteLength(content) ? -1 : Buffer.byteLength(content) - want);
      expect(readFileSync(p, 'utf8')).toBe(`${content.slice(0, want)}{"next":true}\n`);
    }
  });

  // A real failed append: the child's file size limit (ulimit -f, 64 KiB) stops a batch part way, as a
  // full disk would (Node ignores SIGXFSZ, so the write fails with EFBIG after a short write).
  it.skipIf(process.platform !== 'linux')(
    'cuts a failed append back to whole lines before the retry',
    async () => {
      const { store, dir } = await tempStore('dtc-file-efbig-');
      await store.close();
      const out = join(dir, 'out.ndjson');
      const script = join(dir, 'append.mjs');
      writeFileSync(
        script,
        `const { fileSink } = await import(process.env.SRC);
const w = await fileSink.create(new URL('file://' + process.env.OUT), { name: 'f', format: 'json' });
const item = (n, len) => ({ seq: n, key: 'k' + n, version: 1, instance: 'i', family: 'f', severity: 1,
  time: 0, body: JSON.stringify({ n, pad: 'x'.repeat(len) }), format: 'json' });
const said = [];
await w.write([item(1, 100), item(2, 100)]);
try { await w.write([item(3, 30000), item(4, 90000)]); said.push('accepted'); }
catch (e) { said.push(e.name, e.action, e.message); }
await w.write([item(5, 100)]);
await w.close();
console.log(JSON.stringify(said));
`,
      );
      const { stdout } = await promisify(execFile)(
        'bash',
        ['-c', 'ulimit -f 64 && exec "$0" --import tsx "$1"', process.execPath, script],
        { env: { ...process.env, SRC: resolve('src/deliver/file.ts'), OUT: out } },
      );
      const [name, action, message] = JSON.parse(stdout) as string[];
      expect({ name, action }).toEqual({ name: 'SinkError', action: 'retry' });
      expect(message).toMatch(/EFBIG/);
      // The refused batch left nothing behind; the next batch follows the whole lines.
      expect(parseLines(out).map((d) => (d as unknown as { n: number }).n)).toEqual([1, 2, 5]);
    },
  );
});
