// The remembered watermark of an incremental export: per instance, the newest last-seen time already
// exported. Written only after a run has delivered everything, by rename, so a crash mid-run leaves the
// previous watermark and the next run exports those devices again rather than never.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export type Watermark = Record<string, number>;

export function readWatermark(file: string): Watermark {
  if (!existsSync(file)) return {};
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(
      `${file} is not a watermark file (${(e as Error).message}): remove it to export everything again`,
    );
  }
  const w = (data as { lastSeen?: unknown }).lastSeen;
  if (typeof w !== 'object' || w === null || Object.values(w).some((v) => typeof v !== 'number'))
    throw new Error(
      `${file} is not a watermark file (no "lastSeen" map of epoch ms): remove it to export everything again`,
    );
  return w as Watermark;
}

export function writeWatermark(file: string, w: Watermark): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const lastSeenIso = Object.fromEntries(Object.entries(w).map(([k, v]) => [k, new Date(v).toISOString()]));
  writeFileSync(tmp, `${JSON.stringify({ lastSeen: w, lastSeenIso }, null, 2)}\n`);
  renameSync(tmp, file);
}
