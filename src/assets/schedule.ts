// The scheduled asset export (`assets:` in the service config): every `interval`, the inventory of the
// chosen instances goes to a file, is POSTed to an HTTP endpoint (an asset system's import URL), or is
// written to a sink the config declares (`sink:<name>`: Splunk, Elasticsearch, NATS, syslog…, through
// the sink registry, one JSON record a device, its key `instance/asset/did`). With
// `incremental`, only devices seen since the last delivered run go out; the watermark moves only after
// the destination took the whole export, so a failed run is repeated in full at the next one.
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { dirname, join, parse as parsePath } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { Logger } from '../darktrace/index.ts';
import { parseSink, sinkProblems } from '../deliver/registry.ts';
import type { SinkItem } from '../deliver/types.ts';
import type { SinkConfig } from '../deliver/worker.ts';
import type { Store } from '../store/index.ts';
import { parseDuration } from '../util/time.ts';
import { type AssetsSchedule, sinkTargetName } from './config.ts';
import { type ExportFormat, type ExportSource, type ExportStats, exportLines } from './export.ts';
import { openSources } from './instances.ts';
import { readWatermark, type Watermark, writeWatermark } from './watermark.ts';

const CONTENT_TYPES: Record<ExportFormat, string> = { csv: 'text/csv', jsonl: 'application/x-ndjson' };

/** Devices a sink gets in one write. */
const SINK_BATCH = 500;

/** The declared sink a `sink:<name>` target names; an error saying which exist when none does. */
export function targetSink(s: AssetsSchedule, sinks: readonly SinkConfig[]): SinkConfig | undefined {
  const name = sinkTargetName(s.target);
  if (name === undefined) return undefined;
  const sink = sinks.find((k) => k.name === name);
  if (!sink)
    throw new Error(
      `assets.target: no sink named "${name}" (declared: ${sinks.map((k) => k.name).join(', ') || 'none'})`,
    );
  return sink;
}

/** JSON lines (one device each) written to a sink in batches, as the sink's worker would write detections. */
async function toSink(sink: SinkConfig, lines: AsyncIterable<string>): Promise<string> {
  const parsed = parseSink(sink.url, sink.options);
  if (Array.isArray(parsed)) throw new Error(`sink "${sink.name}": ${sinkProblems(parsed)}`);
  const writer = await parsed.module.create(new URL(parsed.url.href), parsed.options, {
    name: sink.name,
    format: 'json',
  });
  try {
    let batch: SinkItem[] = [];
    for await (const line of lines) {
      const body = line.trimEnd();
      const d = JSON.parse(body) as { instance: string; did: number; last_seen: string };
      batch.push({
        seq: 0,
        key: `${d.instance}/asset/${d.did}`,
        version: 1,
        instance: d.instance,
        family: 'asset',
        severity: 0,
        time: Date.parse(d.last_seen) || Date.now(),
        body,
        format: 'json',
      });
      if (batch.length >= SINK_BATCH) {
        await writer.write(batch);
        batch = [];
      }
    }
    if (batch.length) await writer.write(batch);
  } finally {
    await writer.close();
  }
  return `sink ${sink.name}`;
}

/** Where one run's export goes: a sink, an HTTP POST or a file path (written beside, then renamed). */
async function deliver(
  s: AssetsSchedule,
  lines: AsyncIterable<string>,
  at: number,
  sinks: readonly SinkConfig[],
): Promise<string> {
  const sink = targetSink(s, sinks);
  if (sink) return toSink(sink, lines);
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
  sinks: readonly SinkConfig[] = [],
): Promise<{ where: string; stats: ExportStats }> {
  const after: Watermark = s.incremental ? readWatermark(watermarkFile) : {};
  const stats: ExportStats = { devices: {}, watermark: {} };
  const lines = exportLines(sources, { format: s.format, after, now }, stats);
  const where = await deliver(s, lines, now, sinks);
  if (s.incremental) writeWatermark(watermarkFile, { ...after, ...stats.watermark });
  return { where, stats };
}

/** Starts the schedule: a run now, then one every interval (never two at once). Returns stop(). */
export function startAssetSchedule(
  store: Store,
  s: AssetsSchedule,
  o: { dataDir: string; log: Logger; sinks?: readonly SinkConfig[] },
): { stop(): Promise<void>; runNow(): Promise<void> } {
  const every = parseDuration(s.interval);
  targetSink(s, o.sinks ?? []); // a sink:<name> naming no declared sink stops the start, saying so
  const watermarkFile = join(o.dataDir, 'assets-watermark.json');
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = async () => {
    let sources: Awaited<ReturnType<typeof openSources>> | undefined;
    try {
      sources = await openSources(store, s.instances);
      const { where, stats } = await runScheduledExport(s, sources, watermarkFile, Date.now(), o.sinks);
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
