// The scheduled asset export (`assets:` in the service config): every `interval`, the inventory of the
// chosen instances goes to a file or is POSTed to an HTTP endpoint (an asset system's import URL). With
// `incremental`, only devices seen since the last delivered run go out; the watermark moves only after
// the destination took the whole export, so a failed run is repeated in full at the next one.
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { dirname, join, parse as parsePath } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { Logger } from '../darktrace/index.ts';
import type { Store } from '../store/index.ts';
import { parseDuration } from '../util/time.ts';
import type { AssetsSchedule } from './config.ts';
import { type ExportFormat, type ExportSource, type ExportStats, exportLines } from './export.ts';
import { openSources } from './instances.ts';
import { readWatermark, type Watermark, writeWatermark } from './watermark.ts';

const CONTENT_TYPES: Record<ExportFormat, string> = { csv: 'text/csv', jsonl: 'application/x-ndjson' };

/** Where one run's export goes: a file path (written beside, then renamed) or an HTTP POST. */
async function deliver(s: AssetsSchedule, lines: AsyncIterable<string>, at: number): Promise<string> {
  if (/^https?:\/\//.test(s.target)) {
    const res = await request(s.target, {
      method: 'POST',
      headers: { 'content-type': CONTENT_TYPES[s.format], ...s.headers },
      body: Readable.from(lines),
    });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode > 299)
      throw new Error(`${new URL(s.target).origin} answered ${res.statusCode}: ${text.slice(0, 200)}`);
    return s.target.replace(/\?.*$/, '');
  }
  const path = s.target.startsWith('file://') ? fileURLToPath(s.target) : s.target;
  // An incremental run never overwrites the last one's file before its reader had it: one file a run.
  const p = parsePath(path);
  const file = s.incremental
    ? join(p.dir, `${p.name}-${new Date(at).toISOString().replace(/:/g, '-')}${p.ext}`)
    : path;
  const tmp = join(dirname(file), `.${parsePath(file).base}.${process.pid}.tmp`);
  try {
    await pipeline(Readable.from(lines), createWriteStream(tmp, { mode: 0o600 }));
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return file;
}

/** One scheduled run: export, deliver, then move the watermark. */
export async function runScheduledExport(
  s: AssetsSchedule,
  sources: readonly ExportSource[],
  watermarkFile: string,
  now = Date.now(),
): Promise<{ where: string; stats: ExportStats }> {
  const after: Watermark = s.incremental ? readWatermark(watermarkFile) : {};
  const stats: ExportStats = { devices: {}, watermark: {} };
  const where = await deliver(s, exportLines(sources, { format: s.format, after, now }, stats), now);
  if (s.incremental) writeWatermark(watermarkFile, { ...after, ...stats.watermark });
  return { where, stats };
}

/** Starts the schedule: a run now, then one every interval (never two at once). Returns stop(). */
export function startAssetSchedule(
  store: Store,
  s: AssetsSchedule,
  o: { dataDir: string; log: Logger },
): { stop(): Promise<void>; runNow(): Promise<void> } {
  const every = parseDuration(s.interval);
  const watermarkFile = join(o.dataDir, 'assets-watermark.json');
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = async () => {
    let sources: ReturnType<typeof openSources> | undefined;
    try {
      sources = openSources(store, s.instances);
      const { where, stats } = await runScheduledExport(s, sources, watermarkFile);
      const n = Object.values(stats.devices).reduce((a, b) => a + b, 0);
      o.log.info(`assets: exported ${n} devices (${s.format}) to ${where}`);
    } catch (e) {
      o.log.error(`assets: scheduled export failed, retried in ${s.interval}: ${(e as Error).message}`);
    } finally {
      await sources?.close();
    }
  };
  const tick = () => {
    running = run().finally(() => {
      running = undefined;
      if (!stopped) timer = setTimeout(tick, every);
    });
  };
  timer = setTimeout(tick, 0);
  return {
    runNow: async () => {
      if (running) return running;
      clearTimeout(timer);
      tick();
      await running;
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
