// The simulator's syslog output: what an appliance pushes as JSON alerts over syslog, for the same data
// the API serves. Model breaches (when created: flat model, device at the top, as the Elastic fixture
// lines), AI Analyst events (when created), RESPOND state changes (one record per history entry) and
// /EMAIL alerts (a message scoring at least EMAIL_ALERT_SCORE when it arrives, and again after each
// hold or release). Framed as RFC 5424 (`<165>1 <ISO time> <host> darktrace - - - <json>`, as
// elastic/model_breach_alert-sample_logs-model_breach_alert.log) or BSD syslog.
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import type { AntigenaAction, Device } from '../darktrace/types.ts';
import type { SimContext } from './routes.ts';
import { ANTIGENA_USER } from './state.ts';

export type SyslogFamily = 'modelbreach' | 'aianalyst' | 'antigena' | 'email';

export interface SyslogRecord {
  /** When the appliance sends it (epoch ms). */
  time: number;
  family: SyslogFamily;
  json: Record<string, unknown>;
}

export type SyslogFormat = 'rfc5424' | 'rfc3164';

/** /EMAIL messages scoring at least this are alerted on syslog. */
export const EMAIL_ALERT_SCORE = 50;

/**
 * A RESPOND state change as a syslog record, in the shape Darktrace's own handlers read:
 * `iris-event-type: antigena_state_change`, `action` the change verb (CREATE, ACTIVATE, CONFIRM, EXTEND,
 * REACTIVATE_CLEARED, CLEAR, EXPIRE), `action_family`, `inhibitor` what is done ("Quarantine device"),
 * `model` the model *name* (a string, "" for a manual action) and `pbid` the triggering breach or 0 for
 * a manual action; `username`/`reason` who made the change and why, `time` when; then the action's own
 * fields (§8.1), its kind as `inhibitor_type`.
 */
/** The history's state names → the syslog change verbs. */
const VERBS: Record<string, string> = {
  created: 'CREATE',
  activated: 'ACTIVATE',
  confirmed: 'CONFIRM',
  extended: 'EXTEND',
  reactivated: 'REACTIVATE_CLEARED',
  cleared: 'CLEAR',
  expired: 'EXPIRE',
};

export function respondRecord(
  a: AntigenaAction,
  h: NonNullable<AntigenaAction['history']>[number],
  device: Device | undefined,
): Record<string, unknown> {
  return {
    'iris-event-type': 'antigena_state_change',
    model: a.model,
    pbid: a.pbid ?? 0,
    modeluuid: a.modeluuid,
    codeid: a.codeid,
    action: VERBS[h.action] ?? h.action.toUpperCase(),
    action_family: h.family ?? 'NETWORK',
    inhibitor: a.label,
    inhibitor_type: a.action,
    username: h.username,
    reason: h.reason,
    time: h.time,
    detail: a.detail,
    manual: a.manual,
    triggerer: a.triggerer,
    score: a.score,
    start: a.start,
    expires: Math.floor(a.expires),
    did: a.did,
    ip: a.ip,
    device: device
      ? {
          did: device.did,
          ip: device.ip,
          hostname: device.hostname,
          macaddress: device.macaddress,
          devicelabel: device.devicelabel,
          typelabel: device.typelabel,
        }
      : { did: a.did, ip: a.ip },
    automated: h.username === ANTIGENA_USER,
  };
}

/** Every record the appliance sends in (start, end], in time order. `now` >= end. */
export function syslogRecords(sim: SimContext, start: number, end: number, now: number): SyslogRecord[] {
  const out: SyslogRecord[] = [];
  const until = Math.min(end, now);
  for (const c of sim.tl.window(start + 1, until, true, now)) {
    const json = sim.tl.json.object(c, {
      thenNow: false,
      deviceAtTop: true,
      minimal: false,
      breachUrlPrefix: `https://${sim.host}/#modelbreach/`,
    }) as unknown as Record<string, unknown>;
    out.push({ time: c.creationTime, family: 'modelbreach', json });
  }
  for (const e of sim.aia.window(start + 1, until, now)) {
    if (e.createdAt > start && e.createdAt <= until)
      out.push({ time: e.createdAt, family: 'aianalyst', json: e as unknown as Record<string, unknown> });
  }
  sim.state.advance(until);
  for (const a of sim.state.actions.values()) {
    const v = sim.state.view(a, until);
    for (const h of v.history ?? []) {
      if (h.time > start && h.time <= until)
        out.push({ time: h.time, family: 'antigena', json: respondRecord(v, h, sim.world.byDid.get(a.did)) });
    }
  }
  for (const k of sim.email.window(start + 1, until, now)) {
    if (sim.email.score(k) >= EMAIL_ALERT_SCORE)
      out.push({
        time: sim.email.time(k),
        family: 'email',
        json: sim.email.message(k, false) as unknown as Record<string, unknown>,
      });
  }
  for (const ch of sim.email.changes) {
    if (ch.time <= start || ch.time > until) continue;
    const k = sim.email.indexOf(ch.uuid, now);
    if (k !== undefined)
      out.push({
        time: ch.time,
        family: 'email',
        json: sim.email.message(k, false) as unknown as Record<string, unknown>,
      });
  }
  return out.sort((a, b) => a.time - b.time);
}

const pad = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** One syslog line (no trailing newline): facility local4, severity notice (PRI 165), app `darktrace`. */
export function syslogLine(r: SyslogRecord, host: string, format: SyslogFormat = 'rfc5424'): string {
  const d = new Date(r.time);
  const json = JSON.stringify(r.json);
  if (format === 'rfc3164') {
    const ts = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    return `<165>${ts} ${host} darktrace: ${json}`;
  }
  return `<165>1 ${d.toISOString().replace(/\.\d{3}Z$/, '+00:00')} ${host} darktrace - - - ${json}`;
}

export interface SyslogPushOptions {
  host: string;
  port: number;
  protocol?: 'tcp' | 'udp';
  format?: SyslogFormat;
  /** How often the stream is brought up to date (default 1000 ms). */
  intervalMs?: number;
}

/**
 * Pushes the live stream to a syslog receiver: every `intervalMs`, the records of (last, now], one per
 * line (TCP: LF-delimited; UDP: one datagram each). Starts at `from` (the simulator's start).
 */
export function startSyslogPush(
  sim: SimContext,
  o: SyslogPushOptions,
  clock: () => number,
  from: number,
): { stop(): Promise<void>; sent(): number; flush(): Promise<void> } {
  let last = from;
  let sent = 0;
  const format = o.format ?? 'rfc5424';
  let tcp: Socket | undefined;
  const udp = o.protocol === 'udp' ? createSocket(o.host.includes(':') ? 'udp6' : 'udp4') : undefined;
  const ensureTcp = () => {
    if (tcp && !tcp.destroyed) return tcp;
    tcp = connect({ host: o.host, port: o.port });
    tcp.on('error', () => {});
    return tcp;
  };
  const write = (line: string) =>
    new Promise<void>((resolve) => {
      if (udp) udp.send(Buffer.from(line), o.port, o.host, () => resolve());
      else ensureTcp().write(`${line}\n`, () => resolve());
    });
  let busy: Promise<void> = Promise.resolve();
  const tick = () => {
    busy = busy.then(async () => {
      const now = clock();
      if (now <= last) return;
      const records = syslogRecords(sim, last, now, now);
      last = now;
      for (const r of records) {
        await write(syslogLine(r, sim.host, format));
        sent++;
      }
    });
    return busy;
  };
  const timer = setInterval(tick, o.intervalMs ?? 1000);
  timer.unref();
  return {
    sent: () => sent,
    flush: tick,
    async stop() {
      clearInterval(timer);
      await busy;
      if (tcp) await new Promise<void>((r) => tcp!.end(r));
      if (udp) udp.close();
    },
  };
}
