// A seeded fortnight of detections for the report tests: the previous week and the reported week, on
// three instances, every report family plus one the report leaves out, acknowledged in every way the
// store can record it. The plan is kept beside the store so a test computes the expected figures from
// what it inserted, never from the report's own SQL.
import { vi } from 'vitest';
import type { DetectionInput, Store } from '../../src/store/index.ts';

export const DAY = 86_400_000;
/** Monday 2026-11-23 and 2026-11-30, 00:00 UTC: the previous and the reported week. */
export const PREV_FROM = Date.UTC(2026, 10, 23);
export const FROM = Date.UTC(2026, 10, 30);
export const TO = FROM + 7 * DAY;

export const INSTANCES = ['alpha', 'beta', 'gamma'] as const;
const FAMILIES = ['model_breach', 'ai_analyst', 'respond_action', 'email_alert', 'system_status'] as const;
const MODELS = [
  'Anomalous Connection::Data Sent to Rare Domain',
  'Compromise::Beaconing Activity To External Rare',
  'Device::Suspicious Domain',
  'Unusual Activity::Unusual Admin SMB Session',
  'Antigena::Network::External Threat::Antigena Suspicious Activity Block',
];
const RESPOND = ['Quarantine device', 'Block matching connections', 'Enforce pattern of life'];
const STATES = ['activated', 'cleared', 'expired'];
const DEVICES = ['ws-01.corp', 'ws-02.corp', 'srv-db.corp', 'laptop-17.corp', 'fw-edge', '10.0.4.12'];

/** How a seeded detection was acknowledged. */
export type AckMode =
  | 'none'
  /** Darktrace said when (acknowledgedAt on the acknowledged version). */
  | 'darktrace'
  /** A later version showed it acknowledged; the store time of that version is the time. */
  | 'observed'
  /** Already acknowledged when first stored, and no time said: time unknown. */
  | 'initial';

export interface Planned {
  instance: string;
  family: string;
  nativeId: string;
  eventTime: number;
  severity: number;
  title: string;
  device?: string;
  summary?: string;
  ack: AckMode;
  /** When stored (first version). */
  storedAt: number;
  /** darktrace: Darktrace's time; observed: the second version's store time. */
  ackAt?: number;
}

/** A small deterministic generator (LCG), so a failure reproduces. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

export function plan(count = 700, seed = 18): Planned[] {
  const r = rng(seed);
  const out: Planned[] = [];
  for (let i = 0; i < count; i++) {
    const family = FAMILIES[r(10) < 5 ? 0 : r(FAMILIES.length)];
    // Distinct event times (a second apart at least) so orderings never tie.
    const eventTime = PREV_FROM + r(14 * DAY - 2 * 3_600_000) + i * 1000;
    const severity = r(6);
    const title =
      family === 'model_breach'
        ? MODELS[r(MODELS.length)]
        : family === 'respond_action'
          ? `RESPOND ${RESPOND[r(RESPOND.length)]}: ${STATES[r(STATES.length)]}`
          : family === 'ai_analyst'
            ? `Possible ${['SSL Command and Control', 'Lateral Movement', 'Data Exfiltration'][r(3)]} on ${DEVICES[r(DEVICES.length)]}`
            : family === 'email_alert'
              ? `Invoice ${i}`
              : 'System status: probe offline';
    const ackable = family === 'model_breach' || family === 'ai_analyst';
    const a = r(10);
    const ack: AckMode = !ackable
      ? 'none'
      : a < 3
        ? 'none'
        : a < 6
          ? 'darktrace'
          : a < 9
            ? 'observed'
            : 'initial';
    const delay = (1 + r(72 * 60)) * 60_000; // one minute to three days
    out.push({
      instance: INSTANCES[r(INSTANCES.length)],
      family,
      nativeId: String(i + 1),
      eventTime,
      severity,
      title,
      device: r(8) === 0 ? undefined : DEVICES[r(DEVICES.length)],
      summary: family === 'ai_analyst' ? `The device made ${i} unusual connections.` : undefined,
      ack,
      storedAt: eventTime + 60_000,
      ackAt: ack === 'darktrace' || ack === 'observed' ? eventTime + delay : undefined,
    });
  }
  return out;
}

function rawOf(p: Planned, acknowledged: boolean): string {
  if (p.family === 'ai_analyst')
    return JSON.stringify({
      id: `aia-${p.nativeId}`,
      title: p.title,
      summary: p.summary,
      aiaScore: 20 + p.severity * 15,
      currentGroup: `g-${p.nativeId}`,
      createdAt: p.eventTime,
      periods: [{ start: p.eventTime, end: p.eventTime + 60_000 }],
      acknowledged,
      breachDevices: p.device ? [{ hostname: p.device, did: 5 }] : [],
    });
  return JSON.stringify({
    pbid: Number(p.nativeId),
    time: p.eventTime,
    score: 0.5,
    model: { name: p.title, pid: 1 },
    device: { did: 1, hostname: p.device },
  });
}

function input(p: Planned, acknowledged: boolean, version: number): DetectionInput {
  return {
    instance: p.instance,
    family: p.family,
    nativeId: p.nativeId,
    hash: `${p.nativeId}:${version}`,
    eventTime: p.eventTime,
    severity: p.severity,
    title: p.title,
    description: p.summary,
    hostnames: p.device ? [p.device] : [],
    acknowledged,
    acknowledgedAt: acknowledged && p.ack === 'darktrace' ? p.ackAt : undefined,
    device: p.device,
    source: 'api',
    raw: rawOf(p, acknowledged),
  };
}

/**
 * Stores the plan as the collector would have: each detection when it happened (a minute after its
 * event), and an acknowledgement Darktrace reported later as a second version at that time. The clock
 * is faked (Date only) so the store's created_at is known to the test.
 */
export async function seed(store: Store, planned: Planned[]): Promise<void> {
  type Step = { at: number; d: DetectionInput };
  const steps: Step[] = [];
  for (const p of planned) {
    const first = p.ack === 'initial';
    steps.push({ at: p.storedAt, d: input(p, first, 1) });
    if (p.ack === 'observed' || p.ack === 'darktrace') steps.push({ at: p.ackAt!, d: input(p, true, 2) });
  }
  steps.sort((a, b) => a.at - b.at);
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    for (const s of steps) {
      vi.setSystemTime(s.at);
      await store.appendDetections([s.d]);
    }
  } finally {
    vi.useRealTimers();
  }
}
