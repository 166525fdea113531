// Model breach → Detection. Handles both model shapes (flat with historicmodelonly, or then/now), the
// device at the top or inside each triggered component, every `acknowledged` form, and pulls the
// observables out of the display filters, which is where Darktrace puts them.

import { isTechniqueId, tactic } from '../mitre.ts';
import type { Detection, DeviceInfo, Observables, Tactic, Technique } from '../model.ts';
import { emptyObservables, emptyRelated } from '../model.ts';
import { breachSeverity, SEVERITY_LABELS } from '../severity.ts';
import {
  add,
  arr,
  bool,
  cleanIp,
  int,
  lookup,
  lower,
  num,
  type Obj,
  obj,
  parseAsn,
  squash,
  str,
  toMillis,
  unescapeNewlines,
} from '../util.ts';
import { contentHash, mapDevice, recordId } from './common.ts';

type Put = (o: Observables, v: string) => void;

function port(list: number[], v: string): void {
  const p = Number(v);
  if (Number.isInteger(p) && p >= 0 && p <= 65535) add(list, p);
}

// Display-filter types → where their value goes. Keys are squashed (lower case, no spaces): appliance
// versions write `Destination IP` and `DestinationIP`, `Connection hostname` and `Connectionhostname`.
const DISPLAY: Record<string, Put> = lookup({
  destinationip: (o, v) => add(o.destinationIps, cleanIp(v)),
  sourceip: (o, v) => add(o.sourceIps, cleanIp(v)),
  connectionhostname: (o, v) => add(o.destinationHosts, v),
  destinationhostname: (o, v) => add(o.destinationHosts, v),
  dnshostlookup: (o, v) => add(o.destinationHosts, v),
  internaldestinationdevicename: (o, v) => add(o.destinationHosts, v),
  destinationdevicename: (o, v) => add(o.destinationHosts, v),
  sourcedevicename: (o, v) => add(o.sourceHosts, v),
  destinationport: (o, v) => port(o.destinationPorts, v),
  sourceport: (o, v) => port(o.sourcePorts, v),
  asn: (o, v) => {
    const a = parseAsn(v);
    if ((a.number !== undefined || a.name) && !o.asns.some((x) => x.number === a.number && x.name === a.name))
      o.asns.push(a);
  },
  ja3hash: (o, v) => add(o.ja3, v),
  ja3clienthash: (o, v) => add(o.ja3, v),
  ja3: (o, v) => add(o.ja3, v),
  uri: (o, v) => add(o.uris, v),
  url: (o, v) => add(o.uris, v),
  useragent: (o, v) => add(o.userAgents, v),
  httpmethod: (o, v) => add(o.httpMethods, v),
  username: (o, v) => add(o.users, v),
  user: (o, v) => add(o.users, v),
  saasuser: (o, v) => add(o.users, v),
  credential: (o, v) => add(o.users, v),
  bytesin: (o, v) => {
    const n = num(v);
    if (n !== undefined) o.bytesIn = (o.bytesIn ?? 0) + n;
  },
  bytesout: (o, v) => {
    const n = num(v);
    if (n !== undefined) o.bytesOut = (o.bytesOut ?? 0) + n;
  },
});

// Display-filter types as written → their DISPLAY entry (null: none). An appliance writes a few dozen
// distinct types; the cache spares squashing each one per breach, and is emptied if input floods it.
const displayCache = new Map<string, Put | null>();

function displayPut(type: string): Put | null {
  let put = displayCache.get(type);
  if (put === undefined) {
    if (displayCache.size >= 1024) displayCache.clear();
    put = DISPLAY[squash(type)] ?? null;
    displayCache.set(type, put);
  }
  return put;
}

function ackOf(v: unknown): { acknowledged: boolean; by?: string; at?: number } {
  const o = obj(v);
  if (o) {
    const by = str(o.username);
    const at = toMillis(o.time);
    return { acknowledged: true, by, at };
  }
  return { acknowledged: bool(v) ?? false };
}

function addTechnique(list: Technique[], id: string | undefined, name: string | undefined): void {
  if (!id || !isTechniqueId(id)) return;
  const found = list.find((t) => t.id === id);
  if (found) {
    if (!found.name && name) found.name = name;
  } else list.push(name ? { id, name } : { id });
}

/** `defeats` is a list of defeats, or (2024+) a list of lists of them; flattened either way. */
function defeatsOf(v: unknown): Obj[] {
  const out: Obj[] = [];
  for (const e of arr(v)) {
    if (Array.isArray(e)) {
      for (const x of e) {
        const o = obj(x);
        if (o) out.push(o);
      }
    } else {
      const o = obj(e);
      if (o) out.push(o);
    }
  }
  return out;
}

/** `edited.by`, unless Darktrace's placeholder for a model nobody edited. */
function editorOf(v: unknown): string | undefined {
  const by = str(obj(v)?.by);
  return by === undefined || by.toLowerCase() === 'nobody' ? undefined : by;
}

/**
 * A model field from the definition that fired, else from `now`. A function of its own rather than a
 * closure per breach: under tsx each named closure also costs a defineProperty for its name.
 */
function modelField(m: Obj, now: Obj | undefined, k: string): unknown {
  return m[k] ?? (now ? now[k] : undefined);
}

export function mapBreach(raw: Obj, instance: string): Detection {
  const top = obj(raw.model) ?? {};
  const then = obj(top.then);
  const now = obj(top.now);
  // The definition at alert time (`then`) is the one that fired; `now` fills gaps.
  const m: Obj = then ?? now ?? top;

  const pbid = int(raw.pbid);
  const id = pbid !== undefined ? String(pbid) : (str(raw.pbid) ?? recordId(raw));
  const name = str(modelField(m, now, 'name'));
  const title = name ?? `Model breach ${id}`;
  const sep = name ? name.indexOf('::') : -1;
  const compliance = bool(modelField(m, now, 'compliance'));
  const priority = num(modelField(m, now, 'priority'));
  const modelCategory = str(modelField(m, now, 'category'));
  const dtCategory = compliance ? 'compliance' : lower(modelCategory);
  const score = num(raw.score);
  const percentscore = num(raw.percentscore);
  const severity = breachSeverity(dtCategory, compliance, priority, score, percentscore);
  const rawDescription = str(modelField(m, now, 'description'));
  const description = rawDescription === undefined ? undefined : unescapeNewlines(rawDescription);

  const observables = emptyObservables();
  const devices: DeviceInfo[] = [];
  const topDevice = mapDevice(raw.device, observables);
  if (topDevice) devices.push(topDevice);

  let first: number | undefined;
  let last: number | undefined;
  const display: { type: string; value: string }[] = [];
  const components: Obj[] = [];
  for (const c of arr(raw.triggeredComponents)) {
    const tc = obj(c);
    if (!tc) continue;
    const t = toMillis(tc.time);
    if (t !== undefined) {
      if (first === undefined || t < first) first = t;
      if (last === undefined || t > last) last = t;
    }
    if (!topDevice) {
      const d = mapDevice(tc.device, observables);
      if (d && !devices.some((x) => x.id === d.id)) devices.push(d);
    }
    const metric = obj(tc.metric);
    const cid = int(tc.cid);
    if (cid !== undefined || metric)
      components.push({ cid, time: t, metric: str(metric?.label) ?? str(metric?.name), size: num(tc.size) });
    for (const f of arr(tc.triggeredFilters)) {
      const tf = obj(f);
      const ct = tf?.comparatorType;
      if (!tf || typeof ct !== 'string' || ct.toLowerCase() !== 'display') continue;
      const type = str(tf.filterType);
      const value = str(obj(tf.trigger)?.value);
      if (type === undefined || value === undefined) continue;
      display.push({ type, value });
      const put = displayPut(type);
      if (put) put(observables, value);
    }
  }
  if (devices.length === 0) {
    const did = int(raw.did);
    if (did !== undefined) devices.push({ id: did, ips: [], tags: [] });
  }

  const tactics: Tactic[] = [];
  const techniques: Technique[] = [];
  const mitre = obj(modelField(m, now, 'mitre'));
  if (mitre) {
    for (const t of arr(mitre.tactics)) {
      const s = str(t);
      if (s && typeof t === 'string' && !tactics.some((x) => x.name === s)) tactics.push(tactic(s));
    }
    for (const t of arr(mitre.techniques))
      addTechnique(techniques, typeof t === 'string' ? t : undefined, undefined);
  }
  for (const t of arr(raw.mitreTechniques)) {
    const o = obj(t);
    if (o) addTechnique(techniques, str(o.techniqueID) ?? str(o.techniqueId), str(o.technique));
  }

  const ack = ackOf(raw.acknowledged);
  const commentCount = int(raw.commentCount);
  const related = emptyRelated();
  for (const a of arr(raw.aianalystData)) add(related.incidents, str(obj(a)?.uuid));

  const created = obj(modelField(m, now, 'created'));
  const tags: string[] = [];
  for (const t of arr(modelField(m, now, 'tags'))) if (typeof t === 'string') add(tags, t);
  const actions = obj(modelField(m, now, 'actions'));
  const antigena = obj(actions?.antigena);
  const defeats = defeatsOf(modelField(m, now, 'defeats'));

  const time = toMillis(raw.time) ?? first;
  const scores = {
    score,
    pbscore: num(raw.pbscore),
    percentscore,
    devicescore: num(raw.devicescore),
    devicepercentscore: num(raw.devicepercentscore),
    priority,
    normalized: percentscore ?? (score !== undefined ? Math.round(score * 1000) / 10 : undefined),
  };
  const pid = str(modelField(m, now, 'pid'));
  const phid = str(modelField(m, now, 'phid'));

  return {
    key: { instance, family: 'model_breach', id },
    uid: `${instance}/model_breach/${id}`,
    hash: contentHash([
      ack.acknowledged,
      ack.by,
      ack.at,
      commentCount,
      score,
      scores.pbscore,
      percentscore,
      scores.devicescore,
      phid,
    ]),
    activity: 'create',
    origin: { source: 'unknown', format: 'json' },
    time,
    created: toMillis(raw.creationTime),
    firstSeen: first ?? time,
    lastSeen: last ?? time,
    title,
    description,
    category: sep > 0 ? name?.slice(0, sep) : undefined,
    dtCategory,
    analytic: {
      uid: str(modelField(m, now, 'uuid')),
      id: pid,
      name,
      version: str(modelField(m, now, 'version')),
      category: modelCategory ?? (dtCategory ? dtCategory[0].toUpperCase() + dtCategory.slice(1) : undefined),
      description,
      author: str(created?.by),
      editedBy: editorOf(modelField(m, now, 'edited')),
      tags,
    },
    severity,
    severityLabel: SEVERITY_LABELS[severity],
    scores,
    devices,
    observables,
    tactics,
    techniques,
    url: str(raw.breachUrl),
    state: {
      acknowledged: ack.acknowledged,
      acknowledgedBy: ack.by,
      acknowledgedAt: ack.at,
      commentCount,
    },
    related,
    vendor: {
      pbid: pbid ?? id,
      model: {
        pid,
        phid,
        uuid: str(modelField(m, now, 'uuid')),
        priority,
        compliance,
        behaviour: str(modelField(m, now, 'behaviour')),
        edited_by: str(obj(modelField(m, now, 'edited'))?.by),
        modified: str(modelField(m, now, 'modified')),
        shape: then || now ? 'then_now' : 'flat',
      },
      antigena_action: str(antigena?.action),
      antigena_duration: num(antigena?.duration),
      defeats: defeats.length
        ? defeats.map((d) => ({
            filter_type: str(d.filtertype) ?? str(d.filterType),
            comparator: str(d.comparator),
            value: str(obj(d.arguments)?.value),
          }))
        : undefined,
      triggered_components: components,
      display_filters: display,
    },
    raw,
  };
}
