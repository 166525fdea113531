// The asset export: every device of the chosen instances as CSV or JSON Lines, produced line by line
// so a caller that writes to a file, a socket or an HTTP answer holds one page of devices at most and
// waits when the reader is slow (the generator only asks for the next page when pulled).
import { stringify } from 'csv-stringify/sync';
import type { DarktraceClient } from '../darktrace/index.ts';
import type { ExportFormat } from './config.ts';
import { ASSET_COLUMNS, type AssetRow, type ReadOptions, readDevices } from './inventory.ts';

export { EXPORT_FORMATS, type ExportFormat } from './config.ts';

/** Separator of list cells (IPs, tags) in CSV; JSON Lines keeps arrays. */
export const LIST_SEPARATOR = ';';

export interface ExportSource {
  name: string;
  client: DarktraceClient;
}

export interface ExportOptions extends Omit<ReadOptions, 'after' | 'onPage'> {
  format: ExportFormat;
  /** Per instance: export only devices last seen after this (the previous run's watermark). */
  after?: Record<string, number>;
  /** Progress over all instances: devices read and the appliances' counts so far. */
  onProgress?: (read: number, total: number) => void;
}

/** What an export did, per instance: devices written and the newest last-seen time (the next watermark). */
export interface ExportStats {
  devices: Record<string, number>;
  watermark: Record<string, number>;
}

export function csvLine(values: readonly unknown[]): string {
  return stringify([values]);
}

function csvCells(row: AssetRow): unknown[] {
  return ASSET_COLUMNS.map((c) => {
    const v = row[c];
    return Array.isArray(v) ? v.join(LIST_SEPARATOR) : (v ?? '');
  });
}

/**
 * The export as text lines (each ending in a newline): a CSV header then one line a device, or one
 * JSON object a line. Fills `stats` as it goes; a failing instance throws (nothing after it is read).
 */
export async function* exportLines(
  sources: readonly ExportSource[],
  o: ExportOptions,
  stats: ExportStats = { devices: {}, watermark: {} },
): AsyncGenerator<string> {
  if (o.format === 'csv') yield csvLine(ASSET_COLUMNS);
  const done = { read: 0, total: 0 };
  for (const src of sources) {
    stats.devices[src.name] = 0;
    const before = o.after?.[src.name];
    if (before !== undefined) stats.watermark[src.name] = before;
    let counted = { read: 0, total: 0 };
    const rows = readDevices(src.name, src.client, {
      ...o,
      after: before,
      onPage: (read, total) => {
        counted = { read, total };
        o.onProgress?.(done.read + read, done.total + total);
      },
    });
    for await (const row of rows) {
      stats.devices[src.name]++;
      const last = Date.parse(row.last_seen);
      if (last > (stats.watermark[src.name] ?? 0)) stats.watermark[src.name] = last;
      yield o.format === 'csv' ? csvLine(csvCells(row)) : `${JSON.stringify(row)}\n`;
    }
    done.read += counted.read;
    done.total += counted.total;
  }
}
