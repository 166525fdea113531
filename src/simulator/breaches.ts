// The model-breach timeline. Breach `key` k is a pure function of (seed, k): keys 0..count-1 are the
// history spread over the `days` before start, keys count+j are live slots that come into existence
// at a seeded schedule (ratePerMinute) while the simulator runs. pbid = pbidBase + key, so pbids grow
// with creation order as on an appliance. Nothing is stored per breach except sparse overlays
// (acknowledgements, comments, injected breaches), so a 1,000,000-breach history costs no memory.
// Serialising breaches into the API's JSON shapes is breach-json.ts's job (`timeline.json`).
import type { BreachComment, Device } from '../darktrace/types.ts';
import { type BreachCore, BreachJson } from './breach-json.ts';

export type { BreachCore, TriggerSource } from './breach-json.ts';

import { h32, u } from './prng.ts';
import { STORIES } from './stories.ts';
import type { Observable, SimModel, World } from './world.ts';

/** Breaches per AI Analyst block: block b covers keys [b*BLOCK, (b+1)*BLOCK). */
export const BLOCK = 12;
/** Share of blocks that produce an AI Analyst incident event. */
export const EVENT_RATE = 0.75;

// Salts: one independent random stream per attribute.
const S = {
  TIME: 1,
  LAG: 2,
  LAGSIZE: 3,
  MODEL: 4,
  DEVICE: 5,
  SCORE: 6,
  EXT: 7,
  PORT: 8,
  JA3: 9,
  URI: 10,
  UA: 11,
  IDEV: 12,
  COUNT: 13,
  ACK: 14,
  CMT: 15,
  REL: 16,
  EVT: 17,
  STORY: 18,
  GDEV: 19,
  FIRE: 20,
  LIVE: 21,
  ACKUSER: 22,
  PCT: 23,
  BYTES: 24,
} as const;
export const SALT = S;

export interface TimelineOptions {
  seed: number;
  t0: number;
  count: number;
  days: number;
  ratePerMinute: number;
  maxCreationLagMinutes: number;
  pbidBase: number;
}

export interface Overlay {
  acknowledged?: false | { time: number; username: string };
  comments?: BreachComment[];
}

export class Timeline {
  readonly seed: number;
  readonly t0: number;
  readonly count: number;
  readonly start: number;
  readonly spacing: number;
  readonly liveInterval: number;
  readonly maxLag: number;
  readonly pbidBase: number;
  /** Injected breaches, by key (they occupy live slots). */
  readonly injected = new Map<number, BreachCore>();
  readonly overlay = new Map<number, Overlay>();
  private nextInjectSlot = 0;
  private commentSeq = 500;
  private readonly modelCum: number[];
  private readonly nonSaasModels: SimModel[];
  private readonly storyModels: SimModel[][];
  /** The breaches as the API's JSON text. */
  readonly json: BreachJson;

  constructor(
    readonly world: World,
    o: TimelineOptions,
  ) {
    this.seed = o.seed;
    this.t0 = o.t0;
    this.count = Math.max(0, Math.floor(o.count));
    this.start = o.t0 - o.days * 86_400_000;
    this.spacing = this.count > 0 ? (o.days * 86_400_000) / this.count : 0;
    this.liveInterval = o.ratePerMinute > 0 ? 60_000 / o.ratePerMinute : Number.POSITIVE_INFINITY;
    this.maxLag = Math.max(1, o.maxCreationLagMinutes) * 60_000;
    this.pbidBase = o.pbidBase;
    this.json = new BreachJson(this);
    // Everything but System and SaaS models, weighted, for breaches that no AI Analyst event explains.
    this.nonSaasModels = world.models;
    let acc = 0;
    this.modelCum = world.models.map((m) => {
      acc += m.weight;
      return acc;
    });
    this.storyModels = STORIES.map((s) =>
      s.models.map((frag) => world.models.find((m) => m.model.name.includes(frag))!).filter(Boolean),
    );
  }

  // ---- time ----

  /** `time` of history breach i: spread evenly with jitter, whole seconds, non-decreasing in i. */
  historyTime(i: number): number {
    return Math.floor((this.start + (i + u(this.seed, i, S.TIME)) * this.spacing) / 1000) * 1000;
  }

  /** creationTime - time: mostly seconds, sometimes minutes, rarely up to maxCreationLagMinutes. */
  lag(key: number): number {
    const p = u(this.seed, key, S.LAG);
    const q = u(this.seed, key, S.LAGSIZE);
    let ms: number;
    if (p < 0.7) ms = 1000 + q * 9000;
    else if (p < 0.9) ms = 10_000 + q * 110_000;
    else ms = 120_000 + q * Math.max(0, this.maxLag - 120_000);
    return Math.min(this.maxLag, Math.floor(ms / 1000) * 1000);
  }

  /** Scheduled creationTime of live slot j. */
  liveCreation(j: number): number {
    return Math.floor((this.t0 + (j + u(this.seed, j, S.LIVE)) * this.liveInterval) / 1000) * 1000;
  }

  /** Number of live slots whose scheduled creation is at or before `now`. */
  scheduledLive(now: number): number {
    if (!Number.isFinite(this.liveInterval) || now < this.t0) return 0;
    let lo = 0;
    let hi = Math.ceil((now - this.t0) / this.liveInterval) + 2;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.liveCreation(mid) <= now) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Live slots in existence at `now` (scheduled ones plus any taken by injection). */
  liveCount(now: number): number {
    return Math.max(this.scheduledLive(now), this.nextInjectSlot);
  }

  /** The slot an injected breach takes: the next one that has not come into existence yet. */
  takeInjectSlot(now: number): number {
    const j = this.liveCount(now);
    this.nextInjectSlot = j + 1;
    return this.count + j;
  }

  keyOfPbid(pbid: number): number {
    return pbid - this.pbidBase;
  }

  /** Whether breach `key` exists at `now` (created, and within the keys that have been allocated). */
  exists(key: number, now: number): boolean {
    if (!Number.isInteger(key) || key < 0) return false;
    if (key < this.count) return this.historyTime(key) + this.lag(key) <= now;
    const inj = this.injected.get(key);
    if (inj) return inj.creationTime <= now;
    const j = key - this.count;
    return j < this.scheduledLive(now) && this.liveCreation(j) <= now;
  }

  // ---- the breach itself ----

  /** AI Analyst block of a key and whether the key is one of the block's event's related breaches. */
  relatedToEvent(key: number): number | undefined {
    const b = Math.floor(key / BLOCK);
    if (u(this.seed, b, S.EVT) >= EVENT_RATE) return undefined;
    if (key % BLOCK === 0 || u(this.seed, key, S.REL) < 0.3) return b;
    return undefined;
  }

  storyOf(group: number): number {
    return h32(this.seed, group, S.STORY) % STORIES.length;
  }

  /** The device an AI Analyst event (block b) is about: one of two per group, from the story's pool. */
  eventDevice(b: number): Device {
    const g = Math.floor(b / 3);
    const story = STORIES[this.storyOf(g)];
    const pool = story.saas ? this.world.saas : this.world.internal;
    const which = h32(this.seed, b, S.GDEV) & 1;
    return pool[h32(this.seed, g * 2 + which, S.GDEV) % pool.length];
  }

  core(key: number): BreachCore {
    const inj = this.injected.get(key);
    if (inj) return inj;
    const seed = this.seed;
    let time: number;
    let creationTime: number;
    if (key < this.count) {
      time = this.historyTime(key);
      creationTime = time + this.lag(key);
    } else {
      creationTime = this.liveCreation(key - this.count);
      time = creationTime - this.lag(key);
    }
    let model: SimModel;
    let device: Device;
    const b = this.relatedToEvent(key);
    if (b !== undefined) {
      const g = Math.floor(b / 3);
      const ms = this.storyModels[this.storyOf(g)];
      model = ms[h32(seed, key, S.MODEL) % ms.length];
      device = this.eventDevice(b);
    } else {
      const x = u(seed, key, S.MODEL) * this.modelCum[this.modelCum.length - 1];
      let lo = 0;
      let hi = this.modelCum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.modelCum[mid] > x) hi = mid;
        else lo = mid + 1;
      }
      model = this.nonSaasModels[lo];
      if (model.kind === 'system') device = this.world.system;
      else if (model.kind === 'saas')
        device = this.world.saas[h32(seed, key, S.DEVICE) % this.world.saas.length];
      else {
        // A few noisy devices breach far more often than the rest, as on a real network.
        const d = u(seed, key, S.DEVICE);
        const n = this.world.internal.length;
        device = this.world.internal[Math.floor(d * d * n)];
      }
    }
    const p = model.model.priority;
    const r = u(seed, key, S.SCORE);
    const score =
      Math.round((p >= 5 ? 0.6 + r * 0.4 : p === 4 ? 0.4 + r * 0.5 : 0.1 + r * 0.5) * 1000) / 1000;
    return { key, pbid: this.pbidBase + key, time, creationTime, model, device, score };
  }

  acknowledged(c: BreachCore): false | { time: number; username: string } {
    const o = this.overlay.get(c.key);
    if (o && o.acknowledged !== undefined) return o.acknowledged;
    if (c.extra && 'acknowledged' in c.extra) return c.extra.acknowledged as false;
    // Older history is often already acknowledged by an analyst.
    if (c.key < this.count && c.time < this.t0 - 2 * 86_400_000 && u(this.seed, c.key, S.ACK) < 0.15) {
      return {
        time: c.creationTime + 3_600_000 + (h32(this.seed, c.key, S.ACKUSER) % 86_400_000),
        username: this.world.users[h32(this.seed, c.key, S.ACKUSER) % this.world.users.length],
      };
    }
    return false;
  }

  comments(c: BreachCore): BreachComment[] {
    const out: BreachComment[] = [];
    if (c.key < this.count && !c.extra && u(this.seed, c.key, S.CMT) < 0.04) {
      out.push({
        message: ['Investigating', 'Known scanner, benign', 'Raised with the desktop team', 'False positive'][
          h32(this.seed, c.key, S.CMT) % 4
        ],
        username: this.world.users[h32(this.seed, c.key, S.ACKUSER) % this.world.users.length],
        time: c.creationTime + 600_000 + (h32(this.seed, c.key, S.CMT) % 3_600_000),
        pid: c.model.model.pid,
      });
    }
    const o = this.overlay.get(c.key);
    if (o?.comments) out.push(...o.comments);
    return out;
  }

  addComment(c: BreachCore, message: string, username: string, now: number): BreachComment {
    const o = this.overlay.get(c.key) ?? {};
    const comment: BreachComment = {
      message,
      username,
      time: now,
      pid: c.model.model.pid,
      commentid: ++this.commentSeq,
    };
    o.comments = [...(o.comments ?? []), comment];
    this.overlay.set(c.key, o);
    return comment;
  }

  setAcknowledged(c: BreachCore, ack: false | { time: number; username: string }): void {
    const o = this.overlay.get(c.key) ?? {};
    o.acknowledged = ack;
    this.overlay.set(c.key, o);
  }

  // ---- observables ----

  ext(key: number) {
    return this.world.externals[h32(this.seed, key, S.EXT) % this.world.externals.length];
  }
  port(key: number, m: SimModel): number {
    return m.ports[h32(this.seed, key, S.PORT) % m.ports.length];
  }
  internalPeer(key: number): Device {
    return this.world.internal[h32(this.seed, key, S.IDEV) % this.world.internal.length];
  }

  /** The value that set off one display/condition filter of a breach (always a string, as the appliance sends). */
  triggerValue(c: BreachCore, source: Observable): string {
    const key = c.key;
    const seed = this.seed;
    switch (source) {
      case 'hostname':
      case 'dnshost':
        return this.ext(key).hostname;
      case 'destip':
        return this.ext(key).ip;
      case 'port':
        return String(this.port(key, c.model));
      case 'asn':
        return this.ext(key).asn;
      case 'country':
        return this.ext(key).country;
      case 'sourceip':
        return this.ext(key).ip;
      case 'ja3':
        return this.world.ja3[h32(seed, key, S.JA3) % this.world.ja3.length];
      case 'uri':
        return this.world.uris[h32(seed, key, S.URI) % this.world.uris.length];
      case 'useragent':
        return this.world.userAgents[h32(seed, key, S.UA) % this.world.userAgents.length];
      case 'internalip':
        return this.internalPeer(key).ip ?? '10.0.0.1';
      case 'internalname':
        return this.internalPeer(key).hostname ?? this.internalPeer(key).ip ?? '';
      case 'saasactor':
        return c.device.credentials?.[0]?.credential ?? String(c.device.hostname ?? '');
      case 'saasservice':
        return String(c.device.saasmodule ?? 'Office365');
      case 'message':
        return `Device / Anomaly Indicators / ${c.model.model.name.split('::').pop()}`;
      case 'sysmessage':
        return 'Probe error';
      case 'eventdetails':
        return `Probe 10.10.1.${2 + (key % 5)} last contact was ${5 + (key % 50)} minutes ago`;
      case 'bytes':
        return String(1073741824 + (h32(seed, key, S.BYTES) % 4294967296));
      case 'percent':
        return String(90 + (h32(seed, key, S.PCT) % 11));
      case 'count':
        return String(20 + (h32(seed, key, S.COUNT) % 280));
    }
  }

  /** How many of its model's components a breach fired (the first n). */
  firedComponents(c: BreachCore): number {
    const n = c.model.components.length;
    return n === 1 ? 1 : 1 + (h32(this.seed, c.key, S.FIRE) % n);
  }

  commentCount(c: BreachCore): number {
    const o = this.overlay.get(c.key);
    const gen = c.key < this.count && !c.extra && u(this.seed, c.key, S.CMT) < 0.04 ? 1 : 0;
    return gen + (o?.comments?.length ?? 0);
  }

  // ---- windows ----

  /** First history index whose time is >= t. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.historyTime(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Every existing breach whose `time` (or `creationTime` with onCreation) is in [start, end],
   * ascending by time. History is walked by an index range found by binary search; live and
   * injected breaches (few) are collected, sorted and merged in.
   */
  *window(start: number, end: number, onCreation: boolean, now: number): Generator<BreachCore> {
    const inRange = (c: BreachCore) => {
      const t = onCreation ? c.creationTime : c.time;
      return t >= start && t <= end && c.creationTime <= now;
    };
    const live: BreachCore[] = [];
    const nLive = this.liveCount(now);
    if (nLive > 0) {
      // Live time = creation - lag, so creation lies in [start, end + maxLag] for a time window.
      const cs = start;
      const ce = onCreation ? end : end + this.maxLag;
      let lo = 0;
      let hi = nLive;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.liveCreation(mid) < cs) lo = mid + 1;
        else hi = mid;
      }
      for (let j = lo; j < nLive && this.liveCreation(j) <= ce; j++) {
        const key = this.count + j;
        if (this.injected.has(key)) continue;
        const c = this.core(key);
        if (inRange(c)) live.push(c);
      }
    }
    for (const c of this.injected.values()) if (inRange(c)) live.push(c);
    live.sort((a, b) => a.time - b.time || a.pbid - b.pbid);
    let li = 0;
    if (this.count > 0) {
      const from = this.lowerBound(onCreation ? start - this.maxLag : start);
      for (let i = from; i < this.count; i++) {
        const t = this.historyTime(i);
        if (t > end) break;
        const c = this.core(i);
        if (!inRange(c)) continue;
        while (li < live.length && live[li].time < c.time) yield live[li++];
        yield c;
      }
    }
    while (li < live.length) yield live[li++];
  }

  /** The newest existing key (for state reports). */
  newestKey(now: number): number {
    return this.count + this.liveCount(now) - 1;
  }
}
