// AI Analyst incident events and groups, derived from the breach timeline: block b of BLOCK breach
// keys yields one event (for most blocks) that relates several of the block's breaches on one device;
// three consecutive blocks form one incident group. Like breaches, events are rebuilt from their
// index on demand; only changes (ack, pin, score, group, comments) and injected events are stored.
import type { AiaBreachDevice, AiaComment, AiaGroup, AiaIncidentEvent, Device } from '../darktrace/types.ts';
import { BLOCK, type BreachCore, EVENT_RATE, SALT, type Timeline } from './breaches.ts';
import { h32, hexOf, u } from './prng.ts';
import { STORIES } from './stories.ts';

/** An odd multiplier and its inverse modulo 2^24 (Newton's iteration), to scatter block numbers. */
const MIX = 0x9e3779;
const MIX_INV = (() => {
  let x = MIX;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(MIX, x)) & 0xffffff;
  return x;
})();

const EV = {
  UUID: 40,
  SCORE: 41,
  GSCORE: 42,
  GSTR: 43,
  DELAY: 44,
  CIDR: 45,
  SHAPE: 46,
  ACT: 47,
  FMT: 48,
} as const;

export interface EventOverlay {
  acknowledged?: boolean;
  pinned?: boolean;
  groupScore?: number | string;
  currentGroup?: string;
  aiaScore?: number;
  comments?: AiaComment[];
}

interface EventCore {
  b: number;
  id: string;
  related: BreachCore[];
  createdAt: number;
  device: Device;
  group: number;
}

export class AiAnalyst {
  readonly overlay = new Map<string, EventOverlay>();
  /** Group-level overrides (by group id), e.g. a score change that applies to all its events. */
  readonly groupOverlay = new Map<string, { groupScore?: number | string }>();
  readonly injected = new Map<string, AiaIncidentEvent>();
  private readonly maskHi: number;
  private readonly maskLo: number;

  constructor(readonly tl: Timeline) {
    this.maskHi = h32(tl.seed, 1, EV.UUID) & 0xffffff;
    this.maskLo = h32(tl.seed, 2, EV.UUID) & 0xffffff;
  }

  /**
   * Event uuid of block b. Its last group encodes b (an invertible multiply and a seeded mask, so ids
   * look random) and lookups by uuid need no index.
   */
  uuid(b: number): string {
    const h = hexOf(this.tl.seed, b, EV.UUID, 20);
    const lo = (Math.imul(b & 0xffffff, MIX) ^ this.maskLo) & 0xffffff;
    const hi =
      ((Math.floor(b / 0x1000000) & 0xffffff) ^ this.maskHi ^ (h32(this.tl.seed, lo, EV.UUID) & 0xffffff)) >>>
      0;
    const tail = `${hi.toString(16).padStart(6, '0')}${lo.toString(16).padStart(6, '0')}`;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[h32(this.tl.seed, b, EV.UUID) & 3]}${h.slice(17, 20)}-${tail}`;
  }

  blockOf(uuid: string): number | undefined {
    const m = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-([0-9a-f]{6})([0-9a-f]{6})$/.exec(uuid);
    if (!m) return undefined;
    const lo = Number.parseInt(m[2], 16);
    const hi =
      (Number.parseInt(m[1], 16) ^ this.maskHi ^ (h32(this.tl.seed, lo, EV.UUID) & 0xffffff)) & 0xffffff;
    const b = hi * 0x1000000 + (Math.imul((lo ^ this.maskLo) & 0xffffff, MIX_INV) & 0xffffff);
    return this.uuid(b) === uuid ? b : undefined;
  }

  private hasEvent(b: number): boolean {
    return b >= 0 && u(this.tl.seed, b, SALT.EVT) < EVENT_RATE;
  }

  /** The event of block b as it stands at `now`, or undefined if it does not exist (yet). */
  private eventCore(b: number, now: number): EventCore | undefined {
    if (!this.hasEvent(b)) return undefined;
    const related: BreachCore[] = [];
    for (let k = b * BLOCK; k < (b + 1) * BLOCK; k++) {
      if (this.tl.injected.has(k)) continue;
      if (this.tl.relatedToEvent(k) !== b) continue;
      if (!this.tl.exists(k, now)) continue;
      related.push(this.tl.core(k));
    }
    if (related.length === 0) return undefined;
    // The event is written a few minutes after its last breach is created.
    const last = Math.max(...related.map((c) => c.creationTime));
    const createdAt =
      last + 60_000 + (h32(this.tl.seed, b, EV.DELAY) % 540_000) + (h32(this.tl.seed, b, EV.DELAY) % 1000);
    if (createdAt > now) return undefined;
    // Until every related breach exists the event may still grow: wait for the whole block.
    const lastKey = (b + 1) * BLOCK - 1;
    if (!this.tl.exists(lastKey, now) && lastKey >= this.tl.count) return undefined;
    return {
      b,
      id: this.uuid(b),
      related,
      createdAt,
      device: this.tl.eventDevice(b),
      group: Math.floor(b / 3),
    };
  }

  private firstEventOfGroup(g: number): number {
    for (let b = g * 3; b < g * 3 + 3; b++) if (this.hasEvent(b)) return b;
    return g * 3;
  }

  groupId(g: number): string {
    return `g${this.uuid(this.firstEventOfGroup(g))}`;
  }

  private groupScore(g: number, id: string): number | string {
    const o = this.groupOverlay.get(id);
    if (o?.groupScore !== undefined) return o.groupScore;
    const v = 10 + u(this.tl.seed, g, EV.GSCORE) * 89.9;
    // Some appliances send the group score as a numeric string (elastic fixture).
    return u(this.tl.seed, g, EV.GSTR) < 0.25 ? v.toFixed(7) : v;
  }

  private breachDevice(d: Device, cidr: boolean): AiaBreachDevice {
    const saas = d.sid === -9;
    return {
      identifier: d.hostname ?? d.ip ?? null,
      hostname: d.hostname ?? null,
      ip: saas || !d.ip ? null : cidr ? `${d.ip}/24` : d.ip,
      mac: saas ? null : (d.macaddress ?? null),
      subnet: saas ? null : (this.tl.world.subnets.find((s) => s.sid === d.sid)?.label ?? null),
      did: d.did,
      sid: d.sid ?? 0,
    };
  }

  private build(e: EventCore): AiaIncidentEvent {
    const seed = this.tl.seed;
    const g = e.group;
    const story = STORIES[this.tl.storyOf(g)];
    const o = this.overlay.get(e.id) ?? {};
    const gid = o.currentGroup ?? this.groupId(g);
    const start = Math.min(...e.related.map((c) => c.time));
    const end = Math.max(...e.related.map((c) => c.creationTime));
    const cidr = u(seed, e.b, EV.CIDR) < 0.2;
    const bd = this.breachDevice(e.device, cidr);
    const ext = this.tl.ext(e.related[0].key);
    const devName = e.device.hostname ?? e.device.ip ?? String(e.device.did);
    const text = story.summary.replace('{device}', devName).replace('{endpoint}', ext.hostname);
    const blockStyle = u(seed, e.b, EV.SHAPE) < 0.5;
    const details = blockStyle
      ? [
          {
            blockType: 'single',
            blocks: [
              {
                blockHeader: story.saas ? 'SaaS User Details' : 'Breaching Device',
                bulletBlocks: [
                  [
                    {
                      detailKey: story.saas ? 'SaaS account' : 'Device',
                      valueType: 'device',
                      detailValues: [bd],
                    },
                    { detailKey: 'Actor', valueType: 'string', detailValues: [devName] },
                  ],
                ],
              },
            ],
          },
          {
            blockType: 'grouped',
            blocks: [
              {
                blockHeader: 'Summary of Activity',
                bulletBlocks: [
                  [
                    { detailKey: 'Time', valueType: 'timeRange', detailValues: [{ start, end }] },
                    { detailKey: 'Destination', valueType: 'string', detailValues: [ext.hostname] },
                    { detailKey: 'ASN', valueType: 'string', detailValues: [ext.asn] },
                  ],
                ],
              },
            ],
          },
        ]
      : [
          [{ header: 'Breaching Device', contents: [{ key: null, type: 'device', values: [bd] }] }],
          [
            {
              header: story.title,
              contents: [
                { key: 'Time', type: 'timestampRange', values: [{ start, end }] },
                { key: 'Destination', type: 'string', values: [ext.hostname] },
                { key: 'Number of related breaches', type: 'integer', values: [e.related.length] },
                { key: 'Percentage successful', type: 'percentage', values: [100] },
              ],
            },
          ],
        ];
    const summary =
      story.saas && u(seed, e.b, EV.FMT) < 0.5
        ? {
            valueType: 'formatString',
            value: '{}',
            replacements: [{ valueType: 'string', value: text }],
          }
        : text;
    const aiaScore = o.aiaScore ?? 20 + (h32(seed, e.b, EV.SCORE) % 81);
    const groupCategory = STORIES[this.tl.storyOf(g)].category;
    return {
      summariser: story.summariser,
      acknowledged: o.acknowledged ?? false,
      pinned: o.pinned ?? false,
      createdAt: e.createdAt,
      attackPhases: story.phases,
      mitreTactics: story.tactics,
      title: story.title,
      id: e.id,
      children: [e.id],
      category: aiaScore >= 70 ? 'critical' : 'suspicious',
      currentGroup: gid,
      groupCategory,
      groupScore: this.groupScore(g, gid),
      groupPreviousGroups: u(seed, e.b, EV.ACT) < 0.1 ? null : [],
      activityId: hexOf(seed, e.b, EV.ACT, 8),
      groupingIds: [hexOf(seed, e.b, EV.ACT + 100, 8)],
      groupByActivity: false,
      userTriggered: false,
      externalTriggered: false,
      aiaScore,
      summary: summary as unknown as string,
      periods: [{ start, end }],
      breachDevices: [bd],
      relatedBreaches: e.related.map((c) => ({
        modelName: c.model.model.name.replace(/::/g, ' / '),
        pbid: c.pbid,
        threatScore: Math.round(c.score * 100),
        timestamp: c.time,
      })),
      details,
      explanations: [
        [
          {
            iconType: 'search',
            valueType: 'formatString',
            value: 'Searching for recent activity from {}.',
            replacements: [{ valueType: 'device', value: bd }],
          },
        ],
      ],
      figures: [],
    };
  }

  private applyOverlay(ev: AiaIncidentEvent): AiaIncidentEvent {
    const o = this.overlay.get(ev.id);
    const out = { ...ev };
    if (o) {
      if (o.acknowledged !== undefined) out.acknowledged = o.acknowledged;
      if (o.pinned !== undefined) out.pinned = o.pinned;
      if (o.aiaScore !== undefined) out.aiaScore = o.aiaScore;
      if (o.currentGroup !== undefined) out.currentGroup = o.currentGroup;
    }
    const go = this.groupOverlay.get(out.currentGroup);
    if (go?.groupScore !== undefined) out.groupScore = go.groupScore;
    if (o?.groupScore !== undefined) out.groupScore = o.groupScore;
    return out;
  }

  get(id: string, now: number): AiaIncidentEvent | undefined {
    const inj = this.injected.get(id);
    if (inj) return this.applyOverlay(inj);
    const b = this.blockOf(id);
    if (b === undefined) return undefined;
    const e = this.eventCore(b, now);
    return e ? this.build(e) : undefined;
  }

  /** Events created in [start, end], ascending by createdAt. */
  window(start: number, end: number, now: number): AiaIncidentEvent[] {
    const tl = this.tl;
    // An event is created within maxLag + 10 min of its breaches' time.
    const margin = tl.maxLag + 11 * 60_000;
    const out: AiaIncidentEvent[] = [];
    const maxKey = tl.newestKey(now);
    if (maxKey >= 0) {
      let fromKey: number;
      if (start - margin <= tl.start) fromKey = 0;
      else if (start - margin > tl.t0) fromKey = tl.count + Math.max(0, tl.scheduledLive(start - margin) - 1);
      else fromKey = tl.lowerBound(start - margin);
      const toKey = end >= now ? maxKey : Math.min(maxKey, endKey(tl, end));
      for (let b = Math.floor(fromKey / BLOCK); b <= Math.floor(toKey / BLOCK); b++) {
        const e = this.eventCore(b, now);
        if (e && e.createdAt >= start && e.createdAt <= end) out.push(this.build(e));
      }
    }
    for (const ev of this.injected.values()) {
      if (ev.createdAt >= start && ev.createdAt <= end && ev.createdAt <= now)
        out.push(this.applyOverlay(ev));
    }
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Pinned events regardless of window (includeallpinned): pins set through the API or injected pinned. */
  pinned(now: number): AiaIncidentEvent[] {
    const out: AiaIncidentEvent[] = [];
    for (const [id, o] of this.overlay) {
      if (!o.pinned) continue;
      const ev = this.get(id, now);
      if (ev) out.push(ev);
    }
    for (const [id, ev] of this.injected) {
      if (ev.pinned && this.overlay.get(id)?.pinned === undefined && ev.createdAt <= now)
        out.push(this.applyOverlay(ev));
    }
    return out;
  }

  /** Groups built from a list of events (the ones a query selected). */
  groups(events: AiaIncidentEvent[], now: number): AiaGroup[] {
    const byGroup = new Map<string, AiaIncidentEvent[]>();
    for (const ev of events) {
      const list = byGroup.get(ev.currentGroup) ?? [];
      list.push(ev);
      byGroup.set(ev.currentGroup, list);
    }
    const out: AiaGroup[] = [];
    for (const [gid, evs] of byGroup) {
      // Include the group's other events, even outside the query window.
      const all = this.groupMembers(gid, now, evs);
      const devices = [...new Set(all.flatMap((e) => e.breachDevices.map((d) => d.did)))];
      const start = Math.min(...all.map((e) => e.periods[0]?.start ?? e.createdAt));
      const end = Math.max(...all.map((e) => e.periods[e.periods.length - 1]?.end ?? e.createdAt));
      const critical = all.some((e) => e.groupCategory === 'critical');
      out.push({
        id: gid,
        active: now - end < 3_600_000,
        acknowledged: all.every((e) => e.acknowledged),
        pinned: all.some((e) => e.pinned),
        userTriggered: false,
        externalTriggered: false,
        previousIds: [],
        incidentEvents: all.map((e) => ({
          uuid: e.id,
          start: e.periods[0]?.start ?? e.createdAt,
          title: e.title,
          triggerDid: e.breachDevices[0]?.did,
          visible: true,
          acknowledged: e.acknowledged,
        })),
        mitreTactics: [...new Set(all.flatMap((e) => e.mitreTactics))],
        devices,
        initialDevices: devices.slice(0, 1),
        category: critical ? 'critical' : (all[0]?.groupCategory ?? 'suspicious'),
        groupScore: all[0].groupScore,
        start,
        end,
        edges: [],
      });
    }
    return out.sort((a, b) => a.start - b.start);
  }

  private groupMembers(gid: string, now: number, seen: AiaIncidentEvent[]): AiaIncidentEvent[] {
    const b0 = this.blockOf(gid.slice(1));
    const members = new Map(seen.map((e) => [e.id, e]));
    if (b0 !== undefined) {
      const g = Math.floor(b0 / 3);
      for (let b = g * 3; b < g * 3 + 3; b++) {
        const e = this.eventCore(b, now);
        if (!e) continue;
        const ev = this.applyOverlay(this.build(e));
        if (ev.currentGroup === gid && !members.has(ev.id)) members.set(ev.id, ev);
      }
    }
    for (const ev of this.injected.values()) {
      const e = this.applyOverlay(ev);
      if (e.currentGroup === gid && !members.has(e.id)) members.set(e.id, e);
    }
    return [...members.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  update(id: string, patch: EventOverlay): void {
    this.overlay.set(id, { ...this.overlay.get(id), ...patch });
  }

  setGroupScore(idOrGroup: string, score: number | string, now: number): boolean {
    if (idOrGroup.startsWith('g')) {
      this.groupOverlay.set(idOrGroup, { groupScore: score });
      return true;
    }
    const ev = this.get(idOrGroup, now);
    if (!ev) return false;
    this.groupOverlay.set(ev.currentGroup, { groupScore: score });
    return true;
  }

  comments(id: string): AiaComment[] {
    return this.overlay.get(id)?.comments ?? [];
  }

  addComment(id: string, message: string, username: string, now: number): void {
    const o = this.overlay.get(id) ?? {};
    o.comments = [...(o.comments ?? []), { username, time: now, incident_id: id, message }];
    this.overlay.set(id, o);
  }

  inject(partial: Partial<AiaIncidentEvent>, now: number): AiaIncidentEvent {
    // Start from a generated event so every field has a realistic value, then apply the caller's.
    const tl = this.tl;
    let base: AiaIncidentEvent | undefined;
    for (let b = Math.floor(tl.newestKey(now) / BLOCK); b >= 0 && !base; b--) {
      const e = this.eventCore(b, now);
      if (e) base = this.build(e);
    }
    const h = hexOf(tl.seed, (now % 1_000_000_007) + this.injected.size, 99, 32);
    const id =
      partial.id ??
      `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    const ev: AiaIncidentEvent = {
      ...(base ?? emptyEvent()),
      id,
      children: [id],
      currentGroup: `g${id}`,
      createdAt: now,
      periods: [{ start: now - 600_000, end: now - 60_000 }],
      acknowledged: false,
      pinned: false,
      ...partial,
    } as AiaIncidentEvent;
    this.injected.set(id, ev);
    return this.applyOverlay(ev);
  }
}

function endKey(tl: Timeline, end: number): number {
  if (end >= tl.t0) return tl.count + tl.liveCount(end) - 1;
  return tl.lowerBound(end + 1) - 1;
}

function emptyEvent(): AiaIncidentEvent {
  return {
    id: '',
    title: 'Injected Incident',
    summary: 'An injected AI Analyst incident event.',
    summariser: 'InjectedSummary',
    createdAt: 0,
    aiaScore: 50,
    category: 'suspicious',
    groupCategory: 'suspicious',
    currentGroup: '',
    groupScore: 50,
    groupPreviousGroups: [],
    acknowledged: false,
    pinned: false,
    userTriggered: false,
    externalTriggered: false,
    attackPhases: [1],
    mitreTactics: [],
    periods: [],
    breachDevices: [],
    relatedBreaches: [],
    details: [],
    children: [],
    activityId: '00000000',
    groupingIds: [],
    groupByActivity: false,
    explanations: [],
    figures: [],
  };
}
