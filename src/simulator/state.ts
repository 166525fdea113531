// Mutable appliance state beyond the derived timeline: RESPOND actions, PCAP requests, tags and their
// device links. Seeded at start so that reads have realistic content before any write.
import type { AntigenaAction, Device, Pcap, Tag } from '../darktrace/types.ts';
import type { Timeline } from './breaches.ts';
import { Rng } from './prng.ts';
import type { World } from './world.ts';

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

export class ApplianceState {
  readonly actions = new Map<number, AntigenaAction>();
  readonly pcaps = new Map<number, Pcap & { readyAt: number }>();
  readonly tags: Tag[];
  readonly links: TagLink[] = [];
  private nextCodeid = 40;
  private nextTmqid = 1;
  private nextTeid = 4100;
  private nextTid = 60;

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
        updated: String(start + r.int(0, 60_000)),
        blocked: true,
        agemail: false,
        aghost: false,
        active: r.chance(0.8),
        cleared: false,
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
    this.tl.invalidateDevice(did);
    if (expiry > 0) this.tl.volatileDevices.add(did);
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
    this.tl.invalidateDevice(did);
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
