// The rows every store benchmark writes: model breaches shaped like Darktrace's, with a model's
// description shared by its breaches (as on an appliance), generated from a fixed seed so every run
// writes the same ones.
import type { DetectionInput } from '../../src/store/index.ts';
import { MODEL_NAMES } from '../models.ts';

/** Rows per append: one transaction each, as the poller and the syslog receiver batch them. */
export const BATCH = 500;

// Deterministic data (mulberry32): the same rows in every run.
let seed = 0x2f6e2b1;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
};
const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
const ip = () => `10.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 254) + 1}`;
export const hex = (n: number) =>
  Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
const MODELS = MODEL_NAMES.slice(0, 6);
const WORDS =
  'device connected to a rare external endpoint using an unusual port and protocol for this network'.split(
    ' ',
  );
const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
// A breach's description is its model's (as in Darktrace): one per model, not one per breach.
const DESCRIPTIONS = new Map(MODELS.map((m) => [m, sentence(30)]));

export function makeRows(n: number): DetectionInput[] {
  const t0 = 1_700_000_000_000;
  return Array.from({ length: n }, (_, i) => {
    const model = pick(MODELS);
    const host = `ws-${String(Math.floor(rnd() * 5000)).padStart(4, '0')}.corp.example`;
    const src = ip();
    const dst = ip();
    const time = t0 + i * 1000;
    const pbid = 100_000 + i;
    const raw = {
      pbid,
      time,
      creationTime: time + 30_000,
      commentCount: 0,
      score: Number(rnd().toFixed(3)),
      acknowledged: false,
      model: {
        name: model,
        pid: 100 + (i % 400),
        phid: 5000 + (i % 900),
        uuid: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
        description: DESCRIPTIONS.get(model)!,
        priority: 3,
        tags: ['AP: Lateral Movement', 'T1021'],
        category: 'Suspicious',
      },
      device: {
        did: i % 5000,
        ip: src,
        hostname: host,
        macaddress: `${hex(2)}:${hex(2)}:${hex(2)}:${hex(2)}:${hex(2)}:${hex(2)}`,
      },
      triggeredComponents: [
        {
          time,
          cbid: pbid * 3,
          cid: 7000 + (i % 300),
          chid: 9000 + (i % 300),
          size: 1,
          threshold: 1,
          interval: 3600,
          logic: { data: { left: 'A', operator: 'AND', right: 'B' }, version: 1 },
          metric: { mlid: 12, name: 'connections', label: 'Connections' },
          triggeredFilters: [
            {
              cfid: 1,
              id: 'A',
              filterType: 'Destination IP',
              arguments: { value: dst },
              trigger: { value: dst },
            },
            {
              cfid: 2,
              id: 'B',
              filterType: 'Connection hostname',
              arguments: { value: host },
              trigger: { value: host },
            },
          ],
        },
      ],
    };
    return {
      instance: 'bench',
      family: 'model_breach',
      nativeId: String(pbid),
      hash: hex(40),
      eventTime: time,
      severity: 1 + (i % 5),
      title: model,
      description: raw.model.description,
      hostnames: [host],
      ips: [src, dst],
      acknowledged: false,
      source: 'api' as const,
      raw: JSON.stringify(raw),
    };
  });
}

export const batches = <T>(xs: T[], size = BATCH): T[][] =>
  Array.from({ length: Math.ceil(xs.length / size) }, (_, b) => xs.slice(b * size, (b + 1) * size));
