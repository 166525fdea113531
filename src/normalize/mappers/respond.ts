// RESPOND (Antigena) action → Detection. Two shapes: the syslog state change
// (`iris-event-type: antigena_state_change`, `action` = the change: CREATE, CONFIRM, EXTEND, CLEAR,
// EXPIRE, REACTIVATE_*; `inhibitor` = what is done; `model` = the model NAME, a string; `pbid` 0 for a
// manual action) and the `GET /antigena` action object (API doc §8.1: codeid, action, label, active,
// cleared, start, expires as float ms, updated as string ms, triggerer, history). The key is the action
// (`codeid`), so every state change of one action is a new version of the same detection.

import type { Detection, RespondAction, RespondState } from '../model.ts';
import { emptyObservables, emptyRelated } from '../model.ts';
import { respondSeverity, SEVERITY_LABELS } from '../severity.ts';
import { add, arr, bool, cleanIp, int, lookup, num, type Obj, obj, str, toMillis } from '../util.ts';
import { contentHash, mapDevice, recordId } from './common.ts';

// Syslog change verbs → the state the action is in after them.
const CHANGES: Record<string, RespondState> = lookup({
  create: 'created',
  created: 'created',
  confirm: 'confirmed',
  confirmed: 'confirmed',
  activate: 'activated',
  activated: 'activated',
  extend: 'extended',
  extended: 'extended',
  clear: 'cleared',
  cleared: 'cleared',
  expire: 'expired',
  expired: 'expired',
  reactivate: 'reactivated',
  reactivated: 'reactivated',
  reactivate_cleared: 'reactivated',
  reactivate_expired: 'reactivated',
});

// Darktrace's labels (the syslog `inhibitor`, the API `label`) → the API's action kinds.
const KINDS: Record<string, string> = lookup({
  'quarantine device': 'quarantine',
  'block matching connections': 'connection',
  'enforce pattern of life': 'pol',
  'enforce group pattern of life': 'gpol',
  'quarantine outgoing traffic': 'quarantineOutgoing',
  'block outgoing traffic': 'quarantineOutgoing',
  'quarantine incoming traffic': 'quarantineIncoming',
  'block incoming traffic': 'quarantineIncoming',
});

function stateOf(v: unknown): RespondState | undefined {
  const s = str(v);
  return s === undefined ? undefined : CHANGES[s.toLowerCase()];
}

interface HistoryEntry {
  state?: RespondState;
  user?: string;
  reason?: string;
  time?: number;
}

/** `history[]` (includehistory=true), latest last. */
function historyOf(v: unknown): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const e of arr(v)) {
    const h = obj(e);
    if (!h) continue;
    out.push({
      state: stateOf(h.action),
      user: str(h.username),
      reason: str(h.reason),
      time: toMillis(h.time),
    });
  }
  return out.sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
}

/**
 * The state of a `GET /antigena` object. `cleared` wins; an action never activated and not cleared is
 * waiting for confirmation; an active one has expired once its expiry is at or before its last update
 * (the record carries no clock of its own); otherwise the latest history entry names the change.
 */
function apiState(
  raw: Obj,
  last: HistoryEntry | undefined,
  expires?: number,
  updated?: number,
): RespondState {
  if (bool(raw.cleared) === true) return 'cleared';
  const active = bool(raw.active);
  if (active === false) return last?.state === 'expired' ? 'expired' : 'created';
  if (expires !== undefined && updated !== undefined && expires <= updated) return 'expired';
  const h = last?.state;
  if (h === 'extended' || h === 'reactivated' || h === 'confirmed' || h === 'expired') return h;
  return active === true || h !== undefined ? 'activated' : 'unknown';
}

export function mapRespond(raw: Obj, instance: string): Detection {
  const syslog = raw['iris-event-type'] === 'antigena_state_change';
  const history = historyOf(raw.history);
  const last = history.length ? history[history.length - 1] : undefined;
  const expires = toMillis(raw.expires);
  const updated = toMillis(raw.updated);
  const start = toMillis(raw.start);

  const label = str(raw.label) ?? str(raw.inhibitor);
  const kind =
    (syslog ? undefined : str(raw.action)) ??
    str(raw.inhibitor_type) ??
    (label ? (KINDS[label.toLowerCase()] ?? label) : 'unknown');
  const state: RespondState = syslog
    ? (stateOf(raw.action) ?? stateOf(raw.state) ?? 'unknown')
    : apiState(raw, last, expires, updated);

  const triggerer = obj(raw.triggerer);
  const user =
    str(raw.username) ?? str(raw.user) ?? (syslog ? undefined : last?.user) ?? str(triggerer?.username);
  const reason = str(raw.reason) ?? (syslog ? undefined : last?.reason) ?? str(triggerer?.reason);
  const manual = bool(raw.manual) ?? (triggerer ? true : undefined);

  const observables = emptyObservables();
  const dev = mapDevice(raw.device, observables);
  const devices = dev ? [dev] : [];
  if (!dev) {
    const did = int(raw.did);
    const ip = cleanIp(raw.ip);
    if (did !== undefined || ip) devices.push({ id: did, ips: ip ? [ip] : [], tags: [] });
  } else {
    dev.id ??= int(raw.did);
    add(dev.ips, cleanIp(raw.ip));
  }
  add(observables.users, user);
  // includeconnections=true: the blocked connections.
  for (const c of arr(raw.connections)) {
    const co = obj(c);
    if (!co) continue;
    add(observables.destinationIps, cleanIp(co.ip));
    const p = int(co.port);
    if (p !== undefined && p >= 0 && p <= 65535) add(observables.destinationPorts, p);
  }

  const model = typeof raw.model === 'string' && raw.model.length > 0 ? raw.model : undefined;
  const pbid = int(raw.pbid);
  const score = num(raw.score);
  const related = emptyRelated();
  if (pbid !== undefined && pbid > 0)
    related.breaches.push({
      pbid,
      modelName: model,
      threatScore: score !== undefined && score > 0 ? Math.round(score * 1000) / 10 : undefined,
    });

  const codeId = int(raw.codeid) ?? int(raw.codeId);
  const id =
    codeId !== undefined
      ? String(codeId)
      : recordId({ did: devices[0]?.id, ip: devices[0]?.ips[0], label, kind, model, pbid, start });
  const time =
    toMillis(raw.time) ??
    toMillis(raw.timestamp) ??
    (syslog ? updated : (last?.time ?? updated)) ??
    (state === 'created' || state === 'activated' ? start : undefined);
  const ended = state === 'cleared' || state === 'expired';
  const severity = respondSeverity(ended, score);

  const respond: RespondAction = {
    codeId,
    action: kind,
    label,
    state,
    actionFamily: str(raw.action_family),
    user,
    reason,
    manual,
    active: ended ? false : state === 'created' ? false : (bool(raw.active) ?? state !== 'unknown'),
    start,
    expires,
    detail: str(raw.detail),
  };
  const what = label ?? kind;
  const on = devices[0] ? (devices[0].hostname ?? devices[0].name ?? devices[0].ips[0]) : undefined;
  const parts = [`${what}${on ? ` on ${on}` : ''}: ${state}${user ? ` by ${user}` : ''}`];
  if (respond.detail) parts.push(respond.detail);
  if (related.breaches.length) parts.push(`triggered by model breach ${pbid}${model ? ` (${model})` : ''}`);
  else if (manual) parts.push('manual action');
  if (reason) parts.push(`reason: ${reason}`);

  return {
    key: { instance, family: 'respond_action', id },
    uid: `${instance}/respond_action/${id}`,
    // One version per state change: the state, who made it, when, and the expiry it set.
    hash: contentHash([
      state,
      user,
      reason,
      expires,
      time,
      bool(raw.active),
      bool(raw.cleared),
      history.length,
    ]),
    activity: 'create',
    origin: { source: 'unknown', format: 'json' },
    time,
    created: history.find((h) => h.state === 'created')?.time ?? (syslog ? undefined : start),
    firstSeen: start ?? time,
    lastSeen: time ?? start,
    updated,
    title: `RESPOND ${what}: ${state}`,
    description: parts.join('; '),
    category: 'respond',
    analytic: model ? { uid: str(raw.modeluuid), name: model, tags: [] } : undefined,
    severity,
    severityLabel: SEVERITY_LABELS[severity],
    scores: { score, normalized: score !== undefined ? Math.round(score * 1000) / 10 : undefined },
    devices,
    observables,
    tactics: [],
    techniques: [],
    state: { acknowledged: false, status: state },
    related,
    respond,
    vendor: {
      change: syslog ? str(raw.action) : undefined,
      blocked: bool(raw.blocked),
      agemail: bool(raw.agemail),
      aghost: bool(raw.aghost),
      duration: num(raw.duration),
      history: history.length ? history : undefined,
    },
    raw,
  };
}
