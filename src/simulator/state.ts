// Mutable appliance state beyond the derived timeline: RESPOND actions, PCAP requests, tags and their
// device links. Seeded at start so that reads have realistic content before any write.
import type {
  AiaInvestigation,
  AntigenaAction,
  Device,
  IntelFeedEntry,
  Pcap,
  Tag,
} from '../darktrace/types.ts';
import type { BreachCore, Timeline } from './breaches.ts';
import { badRequest } from './http.ts';
import { h32, Rng, u } from './prng.ts';
import type { World } from './world.ts';

/** A RESPOND state change as the action history lists it (API doc §8.1 `includehistory`). */
export type RespondChange =
  | 'created'
  | 'activated'
  | 'confirmed'
  | 'extended'
  | 'reactivated'
  | 'cleared'
  | 'expired';

export type HistoryEntry = NonNullable<AntigenaAction['history']>[number];

/** Who Darktrace names as the actor of its own RESPOND changes. */
export const ANTIGENA_USER = 'Antigena';

interface Scheduled {
  at: number;
  codeid: number;
  change: 'confirm' | 'extend' | 'clear';
  username: string;
  reason: string;
  duration?: number;
}

export interface IntelRecord extends IntelFeedEntry {
  source: string;
  hostname: boolean;
  /** Epoch ms, 0 = never. */
  expiresAt: number;
}

export interface InvestigationRecord extends AiaInvestigation {
  createdAt: number;
}

export interface TagLink {
  teid: number;
  tid: number;
  did: number;
  expiry: number;
}

const ACTION_LABELS: Record<string, string> = {
  quarantine: 'Quarantine device',
  quarantineOutgoing: 'Block all outgoing traffic',
  quarantineIncoming: 'Block all incoming traffic',
  connection: 'Block connections',
  pol: 'Enforce pattern of life',
  gpol: 'Enforce group pattern of life',
};

/** A RESPOND action's state when Antigena has just created it (blocking, not yet active). */
function created(start: number) {
  return {
    updated: String(start),
    blocked: true,
    agemail: false,
    aghost: false,
    active: false,
    cleared: false,
    history: [
      {
        family: 'NETWORK' as const,
        username: ANTIGENA_USER,
        action: 'created' as const,
        reason: '',
        time: start,
      },
    ],
  };
}

export class ApplianceState {
  readonly actions = new Map<number, AntigenaAction>();
  readonly pcaps = new Map<number, Pcap & { readyAt: number }>();
  readonly tags: Tag[];
  readonly links: TagLink[] = [];
  private nextCodeid = 40;
  private nextTmqid = 1;
  private nextTeid = 4100;
  private nextTid = 60;
  /** Watched domains and IPs (`/intelfeed`), by name. */
  readonly intel = new Map<string, IntelRecord>();
  readonly intelSources = new Set<string>(['Default']);
  readonly investigations = new Map<string, InvestigationRecord>();
  /** RESPOND changes analysts will make to live actions, applied when their time comes. */
  private scheduled: Scheduled[] = [];
  /** Live breaches up to this creation time have been given their RESPOND actions. */
  private advancedTo: number;
  private readonly actedOn = new Set<number>();
  private nextInvestigation = 1;

  constructor(
    readonly world: World,
    readonly tl: Timeline,
    now: number,
    readonly pcapReadyMs: number,
  ) {
    const r = new Rng(world.seed ^ 0x51a7e);
    this.tags = world.tags.map((t) => ({ ...t, data: { ...t.data } }));
    // Tag a few devices as an operator would have.
    for (let i = 0; i < 24; i++) {
      const d = r.pick(world.internal);
      const t = r.pick(this.tags);
      if (!this.links.some((l) => l.did === d.did && l.tid === t.tid)) {
        this.links.push({ teid: this.nextTeid++, tid: t.tid, did: d.did, expiry: 0 });
      }
    }
    for (const d of world.saas.slice(0, 3)) {
      this.links.push({ teid: this.nextTeid++, tid: this.tags[0].tid, did: d.did, expiry: 0 });
    }
    // RESPOND actions from recent breaches of models with RESPOND enabled, plus a manual one.
    const withAg = world.models.filter((m) => Object.keys(m.model.actions.antigena as object).length > 0);
    for (let i = 0; i < 18; i++) {
      const m = r.pick(withAg);
      const d = r.pick(world.internal);
      const start = now - r.int(5, 14 * 24 * 60) * 60_000;
      const duration = r.pick([3600, 7200, 86400]) * 1000;
      const kind = r.pick(['connection', 'pol', 'quarantineOutgoing', 'connection', 'gpol']);
      const pbid = tl.pbidBase + Math.max(0, tl.count - 1 - r.int(0, 500));
      const expires = start + duration + r.next();
      this.actions.set(this.nextCodeid, {
        codeid: this.nextCodeid++,
        did: d.did,
        ip: d.ip ?? '',
        action: kind,
        label: ACTION_LABELS[kind],
        detail: kind === 'connection' ? `${r.pick(world.externals).ip} port 443` : '',
        manual: false,
        triggerer: null,
        score: Math.round(r.next() * 1000) / 1000,
        pbid,
        model: m.model.name,
        modeluuid: m.model.uuid,
        start,
        expires,
        ...created(start),
      });
      const a = this.actions.get(this.nextCodeid - 1)!;
      // Most act at once (autonomous mode); some waited for a person to confirm them, a few still wait.
      const roll = r.next();
      if (roll < 0.55) this.change(a, 'activate', ANTIGENA_USER, '', start, undefined, 'activated');
      else if (roll < 0.8)
        this.change(
          a,
          'activate',
          r.pick(world.users),
          'Confirmed after review',
          start + r.int(1, 20) * 60_000,
        );
    }
    this.advancedTo = now;
    // Watched domains an operator keeps.
    for (const [i, e] of world.externals.slice(0, 4).entries()) {
      this.intel.set(e.hostname, {
        name: e.hostname,
        description: i === 0 ? 'Known C2 from incident IR-2211' : 'Watched by the SOC',
        expiry: '',
        strength: 100,
        iagn: i === 0,
        source: 'Default',
        hostname: true,
        expiresAt: 0,
      });
    }
    // Two captures already taken.
    for (let i = 0; i < 2; i++) {
      const d = r.pick(world.internal);
      const e = r.pick(world.externals);
      const endS = Math.floor(now / 1000) - r.int(3600, 86400);
      this.createPcap(
        {
          ip1: d.ip ?? '10.0.0.1',
          ip2: e.ip,
          port1: null,
          port2: 443,
          start: endS - 600,
          end: endS,
          protocol: 'tcp',
        },
        0,
      );
    }
  }

  /**
   * Applies a RESPOND state change (API doc §8.2): `activate` confirms a pending action (or reactivates
   * a cleared or expired one), `clear` stops it, a duration alone sets the new remaining length. The
   * change goes into the action's history with its time and user, and `updated` moves to it.
   */
  change(
    a: AntigenaAction,
    what: 'activate' | 'clear' | 'extend',
    username: string,
    reason: string,
    at: number,
    durationS?: number,
    label?: RespondChange,
  ): RespondChange {
    let done: RespondChange;
    if (what === 'clear') {
      a.cleared = true;
      a.active = false;
      done = 'cleared';
    } else if (what === 'activate') {
      done = label ?? (a.cleared || a.expires <= at ? 'reactivated' : a.active ? 'activated' : 'confirmed');
      a.active = true;
      a.cleared = false;
      if (durationS !== undefined) a.expires = at + durationS * 1000 + 0.5;
      else if (done === 'reactivated') a.expires = at + Math.max(60_000, a.expires - a.start) + 0.5;
    } else {
      if (durationS === undefined) throw new Error('extend needs a duration');
      // The duration is the new remaining length, not an increment (§8.2).
      a.expires = at + durationS * 1000 + 0.5;
      done = 'extended';
    }
    a.updated = String(at);
    a.history = [...(a.history ?? []), { family: 'NETWORK', username, action: done, reason, time: at }];
    return done;
  }

  /**
   * An action as listed at `now`: an action whose time ran out gains its `expired` entry (by Antigena,
   * at the expiry time) and `updated` moves to it; `active` stays true after expiry, as on appliances.
   */
  view(a: AntigenaAction, now: number): AntigenaAction {
    const history = a.history ?? [];
    if (a.cleared || a.expires > now) return { ...a, history };
    const at = Math.floor(a.expires);
    return {
      ...a,
      updated: String(Math.max(Number(a.updated), at)),
      history: [
        ...history,
        { family: 'NETWORK', username: ANTIGENA_USER, action: 'expired', reason: '', time: at },
      ],
    };
  }

  /**
   * Brings RESPOND up to `now`: every live breach of a model with RESPOND enabled gets its action when it
   * is created (some act at once, some wait for confirmation), and the changes analysts make later
   * (confirm, extend, clear) happen when their time comes. Deterministic from the seed and the breach.
   */
  advance(now: number): void {
    if (now > this.advancedTo) {
      for (const c of this.tl.window(this.advancedTo, now, true, now)) {
        if (this.actedOn.has(c.pbid)) continue;
        this.actedOn.add(c.pbid);
        const ag = c.model.model.actions.antigena as { action?: string; duration?: number } | undefined;
        if (!ag?.action || c.device.did < 0 || c.device.sid === -9) continue;
        this.modelAction(c, ag.duration ?? 3600);
      }
      this.advancedTo = now;
    }
    const due = this.scheduled.filter((x) => x.at <= now).sort((a, b) => a.at - b.at);
    if (!due.length) return;
    this.scheduled = this.scheduled.filter((x) => x.at > now);
    for (const x of due) {
      const a = this.actions.get(x.codeid);
      if (!a || a.cleared || a.expires <= x.at) continue;
      if (x.change === 'confirm' && a.active) continue;
      this.change(a, x.change === 'confirm' ? 'activate' : x.change, x.username, x.reason, x.at, x.duration);
    }
  }

  private modelAction(c: BreachCore, durationS: number): void {
    const seed = this.world.seed;
    const k = c.key;
    const kinds = ['connection', 'pol', 'quarantineOutgoing', 'gpol', 'connection'];
    const kind = kinds[h32(seed, k, 301) % kinds.length];
    const start = c.creationTime;
    const codeid = this.nextCodeid++;
    const ext = this.world.externals[h32(seed, k, 302) % this.world.externals.length];
    const a: AntigenaAction = {
      codeid,
      did: c.device.did,
      ip: c.device.ip ?? '',
      action: kind,
      label: this.label(kind),
      detail: kind === 'connection' ? `${ext.ip} port 443` : '',
      manual: false,
      triggerer: null,
      score: c.score,
      pbid: c.pbid,
      model: c.model.model.name,
      modeluuid: c.model.model.uuid,
      start,
      expires: start + durationS * 1000 + 0.5,
      ...created(start),
    };
    this.actions.set(codeid, a);
    const analyst = this.world.users[h32(seed, k, 303) % this.world.users.length];
    const minutes = (salt: number, lo: number, hi: number) =>
      (lo + Math.floor(u(seed, k, salt) * (hi - lo + 1))) * 60_000;
    if (u(seed, k, 304) < 0.4) {
      // Human confirmation mode: pending until someone confirms it, or it expires unconfirmed.
      if (u(seed, k, 305) < 0.6)
        this.scheduled.push({
          at: start + minutes(306, 2, 10),
          codeid,
          change: 'confirm',
          username: analyst,
          reason: 'Confirmed after review',
        });
      return;
    }
    this.change(a, 'activate', ANTIGENA_USER, '', start, undefined, 'activated');
    const roll = u(seed, k, 307);
    if (roll < 0.25)
      this.scheduled.push({
        at: start + minutes(308, 5, 15),
        codeid,
        change: 'extend',
        username: analyst,
        reason: 'Still under investigation',
        duration: 2 * 3600,
      });
    else if (roll < 0.45)
      this.scheduled.push({
        at: start + minutes(309, 3, 20),
        codeid,
        change: 'clear',
        username: analyst,
        reason: 'False positive',
      });
  }

  /** `/intelfeed` entries that have not expired. */
  intelEntries(now: number, source?: string): IntelRecord[] {
    return [...this.intel.values()].filter(
      (e) => (e.expiresAt === 0 || e.expiresAt > now) && (source === undefined || e.source === source),
    );
  }

  /** `POST /intelfeed` (§13): add or remove entries; answers the counts added and updated. */
  updateIntel(
    b: {
      add: string[];
      remove: string[];
      removeAll: boolean;
      description?: string;
      source?: string;
      expiry?: string;
      hostname?: boolean;
      iagn?: boolean;
    },
    now: number,
  ): { added: number; response: string; updated: number } {
    if (b.description !== undefined && (b.description.length >= 256 || /["']/.test(b.description)))
      throw badRequest('description must be under 256 characters, without quotes');
    if (b.source !== undefined && (b.source.length >= 64 || b.source.trim() === ''))
      throw badRequest('source must be 1 to 63 characters');
    let expiresAt = 0;
    if (b.expiry !== undefined && b.expiry !== '') {
      expiresAt = /^\d+$/.test(b.expiry) ? Number(b.expiry) : Date.parse(b.expiry);
      if (!Number.isFinite(expiresAt)) throw badRequest('Invalid value for expiry');
      if (expiresAt <= now) throw badRequest('expiry must be in the future');
    }
    const valid =
      /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]+:[0-9a-f:]*$|^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;
    for (const name of [...b.add, ...b.remove])
      if (!valid.test(name)) throw badRequest(`Invalid entry ${name}`);
    let added = 0;
    let updated = 0;
    if (b.removeAll) {
      for (const e of this.intelEntries(now, b.source)) this.intel.delete(e.name);
    }
    for (const name of b.remove) {
      const e = this.intel.get(name.toLowerCase());
      if (e && (b.source === undefined || e.source === b.source)) this.intel.delete(e.name);
    }
    const source = b.source ?? 'Default';
    for (const raw of b.add) {
      const name = raw.toLowerCase();
      const old = this.intel.get(name);
      const isIp = /^[\d.]+$|:/.test(name);
      this.intel.set(name, {
        name,
        description: b.description ?? old?.description ?? '',
        expiry: expiresAt ? new Date(expiresAt).toISOString() : '',
        strength: 100,
        iagn: b.iagn ?? old?.iagn ?? false,
        source,
        hostname: b.hostname ?? !isIp,
        expiresAt,
      });
      if (old && (old.expiresAt === 0 || old.expiresAt > now)) updated++;
      else added++;
    }
    this.intelSources.add(source);
    return { added, response: 'SUCCESS', updated };
  }

  /** `POST /aianalyst/investigations`: a new investigation, pending until processed. */
  investigate(did: number, investigateTimeS: number, username: string, now: number): InvestigationRecord {
    const n = this.nextInvestigation++;
    const id = `${h32(this.world.seed, n, 310).toString(16).padStart(8, '0')}-${n.toString(16).padStart(4, '0')}-4000-8000-${h32(this.world.seed, n, 311).toString(16).padStart(12, '0')}`;
    const rec: InvestigationRecord = {
      investigationId: id,
      time: Math.floor(now / 1000),
      investigationTime: investigateTimeS,
      did,
      status: 'pending',
      createdBy: username,
      incidents: [],
      createdAt: now,
    };
    this.investigations.set(id, rec);
    return rec;
  }

  /** Investigations as listed at `now`: pending, then processing, then finished (pcapReadyMs apart). */
  investigationView(rec: InvestigationRecord, now: number): AiaInvestigation {
    const { createdAt, ...rest } = rec;
    const age = now - createdAt;
    const status =
      age >= this.pcapReadyMs ? 'finished' : age >= this.pcapReadyMs / 2 ? 'processing' : 'pending';
    return { ...rest, status };
  }

  tagsOf(did: number, now: number): Tag[] {
    const tids = new Set(
      this.linksNow(now)
        .filter((l) => l.did === did)
        .map((l) => l.tid),
    );
    return this.tags.filter((t) => tids.has(t.tid));
  }

  label(action: string): string {
    return ACTION_LABELS[action] ?? action;
  }

  createAction(
    device: Device,
    action: string,
    durationS: number,
    reason: string,
    username: string,
    now: number,
  ): AntigenaAction {
    const codeid = this.nextCodeid++;
    const a: AntigenaAction = {
      codeid,
      did: device.did,
      ip: device.ip ?? '',
      action,
      label: this.label(action),
      detail: '',
      manual: true,
      triggerer: { username, reason },
      score: 0,
      pbid: null,
      model: '',
      modeluuid: '',
      start: now,
      // Real appliances send a float here; keep a fractional part.
      expires: now + durationS * 1000 + 0.5,
      updated: String(now),
      blocked: true,
      agemail: false,
      aghost: false,
      active: true,
      cleared: false,
      history: [{ family: 'NETWORK', username, action: 'created', reason, time: now }],
    };
    this.actions.set(codeid, a);
    return a;
  }

  createPcap(
    p: {
      ip1: string;
      ip2?: string | null;
      port1?: number | null;
      port2?: number | null;
      start: number;
      end: number;
      protocol?: string;
    },
    readyAt: number,
  ): Pcap & { readyAt: number } {
    const tmqid = this.nextTmqid++;
    const proto = p.protocol ?? 'tcp';
    const rand = (tmqid * 2654435761) % 100000;
    const filename = `/tm/DCIP_${p.start}_${p.end}_${p.ip1}_${p.port1 ?? 0}_${p.ip2 ?? '0.0.0.0'}_${p.port2 ?? 0}_${proto === 'udp' ? 17 : 6}_${rand}_m.pcap`;
    const rec = {
      tmqid,
      startTime: p.start,
      endTime: p.end,
      filename,
      index: tmqid,
      l3proto: 'ipv4',
      ip1: p.ip1,
      port1: p.port1 ?? null,
      ip2: p.ip2 ?? null,
      port2: p.port2 ?? null,
      start: p.start,
      end: p.end,
      state: (readyAt <= 0 ? 'finished' : 'pending') as Pcap['state'],
      readyAt,
    };
    this.pcaps.set(tmqid, rec);
    return rec;
  }

  /** PCAPs as listed now: pending ones turn finished once their capture time has passed. */
  listPcaps(now: number): Pcap[] {
    return [...this.pcaps.values()].map(({ readyAt, ...p }) => ({
      ...p,
      state: readyAt <= now ? 'finished' : 'pending',
    }));
  }

  createTag(name: string, data: Record<string, unknown>): Tag {
    const tid = this.nextTid++;
    const tag: Tag = {
      tid,
      expiry: 0,
      thid: tid,
      name,
      restricted: false,
      data: {
        auto: false,
        color: typeof data.color === 'number' ? data.color : 200,
        description: typeof data.description === 'string' ? data.description : '',
        visibility: '',
      },
      isReferenced: false,
    };
    this.tags.push(tag);
    return tag;
  }

  tagByName(name: string): Tag | undefined {
    return this.tags.find((t) => t.name === name);
  }

  linksNow(now: number): TagLink[] {
    return this.links.filter((l) => l.expiry === 0 || l.expiry > now);
  }

  link(did: number, tag: Tag, expiry: number): TagLink {
    this.tl.json.invalidateDevice(did);
    if (expiry > 0) this.tl.json.volatileDevices.add(did);
    const existing = this.links.find((l) => l.did === did && l.tid === tag.tid);
    if (existing) {
      existing.expiry = expiry;
      return existing;
    }
    const l = { teid: this.nextTeid++, tid: tag.tid, did, expiry };
    this.links.push(l);
    tag.isReferenced = true;
    return l;
  }

  unlink(did: number, tid: number): boolean {
    this.tl.json.invalidateDevice(did);
    const i = this.links.findIndex((l) => l.did === did && l.tid === tid);
    if (i < 0) return false;
    this.links.splice(i, 1);
    return true;
  }
}

/** A minimal but valid libpcap file: global header and a TCP handshake between the two hosts. */
export function pcapFile(p: Pcap): Buffer {
  const ipBytes = (ip: string | null) => (ip ?? '0.0.0.0').split('.').map((x) => Number(x) & 255);
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeInt32LE(0, 8);
  global.writeUInt32LE(0, 12);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const packets: Buffer[] = [];
  const flagsSeq = [0x02, 0x12, 0x10];
  for (let i = 0; i < 3; i++) {
    const fromA = i !== 1;
    const src = ipBytes(fromA ? p.ip1 : p.ip2);
    const dst = ipBytes(fromA ? p.ip2 : p.ip1);
    const sport = (fromA ? p.port1 : p.port2) ?? 49152;
    const dport = (fromA ? p.port2 : p.port1) ?? 49152;
    const eth = Buffer.from([0, 0x0c, 0x29, 1, 2, 3, 0, 0x0c, 0x29, 4, 5, 6, 0x08, 0x00]);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(40, 2);
    ip.writeUInt16BE(i + 1, 4);
    ip[8] = 64;
    ip[9] = 6;
    Buffer.from(src).copy(ip, 12);
    Buffer.from(dst).copy(ip, 16);
    let sum = 0;
    for (let k = 0; k < 20; k += 2) sum += ip.readUInt16BE(k);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    ip.writeUInt16BE(~sum & 0xffff, 10);
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(sport & 0xffff, 0);
    tcp.writeUInt16BE(dport & 0xffff, 2);
    tcp.writeUInt32BE(1000 + i, 4);
    tcp.writeUInt32BE(i ? 5000 : 0, 8);
    tcp[12] = 0x50;
    tcp[13] = flagsSeq[i];
    tcp.writeUInt16BE(64240, 14);
    const frame = Buffer.concat([eth, ip, tcp]);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(p.start + i, 0);
    rec.writeUInt32LE(i * 1000, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    packets.push(rec, frame);
  }
  return Buffer.concat([global, ...packets]);
}
