// Detection → plain JSON: the canonical fields (times as epoch ms UTC, plus @timestamp in ISO) with
// the raw record as received under `raw`.
import type { Detection } from '../model.ts';
import { iso } from '../util.ts';

export function renderJson(d: Detection): string {
  const t = d.time ?? d.created;
  return JSON.stringify({ '@timestamp': t === undefined ? undefined : iso(t), ...d });
}
