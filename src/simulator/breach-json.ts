// Model breaches as the API's JSON text: the query options (`historicmodelonly` → thenNow, `deviceattop`,
// `minimal`, `includebreachurl`, `group=device`) pick the shape; the timeline (breaches.ts) supplies the
// data. Per-model, per-device and per-component fragments are cached as strings and joined by string
// templates, which is several times faster than building objects and JSON.stringify.
import type { Device, ModelBreach } from '../darktrace/types.ts';
import { TECHNIQUES } from './world/model-templates.ts';
import type { Observable, SimComponent, SimModel } from './world.ts';

export interface BreachCore {
  key: number;
  pbid: number;
  time: number;
  creationTime: number;
  model: SimModel;
  device: Device;
  score: number;
  /** Present on injected breaches: top-level fields that override the generated ones. */
  extra?: Record<string, unknown>;
}

/** Where a triggered filter's value comes from: an observable of the breach, or a fixed value. */
export type TriggerSource = SimComponent['spec'][number]['source'];

/** What the serialiser reads from the timeline that keeps the breaches (breaches.ts). */
export interface BreachFacts {
  acknowledged(c: BreachCore): false | { time: number; username: string };
  commentCount(c: BreachCore): number;
  firedComponents(c: BreachCore): number;
  port(key: number, m: SimModel): number;
  triggerValue(c: BreachCore, source: Observable): string;
}

export interface SerializeOptions {
  thenNow: boolean;
  deviceAtTop: boolean;
  /** Device both at the top and in each component, as single-breach answers carry it (fixtures). */
  deviceBoth?: boolean;
  minimal: boolean;
  breachUrlPrefix?: string;
  groupDevice?: boolean;
}

const js = (v: unknown): string => JSON.stringify(v);

/** Trigger values that are digits only: their JSON is the value in quotes, with nothing to escape. */
const DIGITS = new Set<Observable>(['port', 'bytes', 'percent', 'count']);

export class BreachJson {
  private readonly modelJson = new Map<string, string>();
  private readonly deviceJson = new Map<number, string>();
  private readonly compTemplates = new Map<number, { head: string; mid: string; filters: string[] }>();
  private readonly strJson = new Map<string, string>();
  private readonly mitreJson = new Map<number, string>();

  constructor(private readonly tl: BreachFacts) {}

  private modelFragment(m: SimModel, o: SerializeOptions): string {
    const k = `${m.index}:${o.thenNow ? 1 : 0}:${o.minimal ? 1 : 0}`;
    let v = this.modelJson.get(k);
    if (v === undefined) {
      const trim = (x: SimModel['model']) =>
        o.minimal
          ? {
              name: x.name,
              pid: x.pid,
              phid: x.phid,
              uuid: x.uuid,
              priority: x.priority,
              category: x.category,
              compliance: x.compliance,
            }
          : x;
      // The appliance's `{then, now}` pair: the model as it was at breach time and as it is now.
      v = o.thenNow ? `{"then":${js(trim(m.model))},"now":${js(trim(m.now))}}` : js(trim(m.model));
      this.modelJson.set(k, v);
    }
    return v;
  }

  private mitreFragment(m: SimModel): string {
    let v = this.mitreJson.get(m.index);
    if (v === undefined) {
      const ids = (m.model.mitre?.techniques ?? []) as string[];
      v = js(ids.map((id) => ({ technique: TECHNIQUES[id] ?? id, techniqueID: id })));
      this.mitreJson.set(m.index, v);
    }
    return v;
  }

  /** Tags currently on a device (set by the appliance state, which owns tag links). */
  deviceTags: (did: number) => unknown[] = () => [];

  /**
   * A device as embedded in a breach: credentials as plain names and the device's tags, as the
   * Elastic poller's canned answer shows them.
   */
  deviceFragment(d: Device): string {
    let v = this.deviceJson.get(d.did);
    if (v === undefined) {
      const view: Record<string, unknown> = { ...d };
      if (d.credentials) view.credentials = d.credentials.map((c) => c.credential);
      const tags = d.did > 0 ? this.deviceTags(d.did) : [];
      if (tags.length) view.tags = tags;
      v = js(view);
      // Tags that expire change with time alone: do not cache those devices.
      if (!this.volatileDevices.has(d.did)) this.deviceJson.set(d.did, v);
    }
    return v;
  }

  /** Devices with an expiring tag. */
  readonly volatileDevices = new Set<number>();

  /** Drops a device's cached JSON after its tags changed. */
  invalidateDevice(did: number): void {
    this.deviceJson.delete(did);
  }

  private compTemplate(c: SimComponent) {
    let t = this.compTemplates.get(c.cid);
    if (!t) {
      t = {
        head: `,"cid":${c.cid},"chid":${c.chid},"size":`,
        mid: `,"threshold":${c.threshold},"interval":${c.interval},"logic":${js(c.logic)}`,
        filters: c.spec.map((f, i) => {
          const cfid = (c.filters[i] as { cfid: number }).cfid;
          const args = f.argument === undefined ? '{}' : `{"value":${js(f.argument)}}`;
          return `{"cfid":${cfid},"id":${js(f.id)},"filterType":${js(f.filterType)},"arguments":${args},"comparatorType":${js(f.comparator)},"trigger":{"value":`;
        }),
      };
      this.compTemplates.set(c.cid, t);
    }
    return t;
  }

  private componentsJson(c: BreachCore, o: SerializeOptions): string {
    if (o.minimal) return '[{}]';
    const m = c.model;
    const fire = this.tl.firedComponents(c);
    const netPort = m.kind !== 'saas' && m.kind !== 'system' && m.kind !== 'antigena';
    let out = '[';
    for (let i = 0; i < fire; i++) {
      const comp = m.components[i];
      const t = this.compTemplate(comp);
      if (i) out += ',';
      out += `{"time":${c.time - 1000 * i},"cbid":${c.key * 3 + i + 100}${t.head}${1 + (c.key % 3)}${t.mid}`;
      if (netPort && c.device.ip) out += `,"ip":${this.sj(c.device.ip)},"port":${this.tl.port(c.key, m)}`;
      out += `,"metric":${js(comp.metric)}`;
      if (!o.deviceAtTop || o.deviceBoth) out += `,"device":${this.deviceFragment(c.device)}`;
      out += ',"triggeredFilters":[';
      for (let f = 0; f < comp.spec.length; f++) {
        if (f) out += ',';
        out += `${t.filters[f]}${this.triggerJson(c, comp.spec[f].source)}}}`;
      }
      out += ']}';
    }
    return `${out}]`;
  }

  /** One breach as JSON text, in the shape the query options ask for. */
  serialize(c: BreachCore, o: SerializeOptions): string {
    const ack = this.tl.acknowledged(c);
    const ncom = this.tl.commentCount(c);
    const pct = Math.round(c.score * 100);
    const devScore = Math.round(c.score * 0.9 * 1000) / 1000;
    const score = o.groupDevice ? devScore : c.score;
    let s = `{"commentCount":${ncom},"pbid":${c.pbid},"time":${c.time},"creationTime":${c.creationTime},"model":${this.modelFragment(c.model, o)},"triggeredComponents":${this.componentsJson(c, o)},"score":${score},"pbscore":${c.score},"percentscore":${pct},"devicepercentscore":${Math.round(devScore * 100)}`;
    if (o.deviceAtTop) s += `,"device":${this.deviceFragment(c.device)}`;
    s += `,"mitreTechniques":${this.mitreFragment(c.model)}`;
    s += `,"acknowledged":${ack === false ? 'false' : js(ack)}`;
    if (o.breachUrlPrefix !== undefined) s += `,"breachUrl":${js(`${o.breachUrlPrefix}${c.pbid}`)}`;
    s += '}';
    if (c.extra) {
      const obj = JSON.parse(s) as Record<string, unknown>;
      for (const [k, v] of Object.entries(c.extra)) if (k !== 'acknowledged') obj[k] = v;
      return js(obj);
    }
    return s;
  }

  object(c: BreachCore, o: SerializeOptions): ModelBreach {
    return JSON.parse(this.serialize(c, o)) as ModelBreach;
  }

  private sj(s: string): string {
    let v = this.strJson.get(s);
    if (v === undefined) {
      v = js(s);
      if (this.strJson.size < 50_000) this.strJson.set(s, v);
    }
    return v;
  }

  /** The JSON text of one display/condition filter's trigger value. */
  private triggerJson(c: BreachCore, source: TriggerSource): string {
    if (typeof source === 'object') return js(source.fixed);
    const v = this.tl.triggerValue(c, source);
    return DIGITS.has(source) ? `"${v}"` : this.sj(v);
  }
}
