// Asset export and import against the simulator over real sockets: 10,000 devices out as CSV and JSON

import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExportStats, exportLines } from '../../src/assets/export.ts';
import { importAssets, type RowResult } from '../../src/assets/import.ts';
import { openSources, storeTarget } from '../../src/assets/instances.ts';
import type { AssetRow } from '../../src/assets/inventory.ts';
import type { Device } from '../../src/darktrace/types.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { seeDevice } from '../../src/simulator/inventory.ts';
import type { Store } from '../../src/store/index.ts';
import { useLab } from './helpers.ts';

const DEVICES = 10_000;
const lab = useLab({ devices: DEVICES, seed: 17 });
let sim: Simulator;
let store: Store;
let sources: Awaited<ReturnType<typeof openSources>>;

beforeAll(async () => {
  ({ sim, store } = lab);
  sources = await openSources(store);
});
afterAll(() => sources?.close());

async function collect(o: Parameters<typeof exportLines>[1], stats?: ExportStats): Promise<string> {
  let out = '';
  for await (const line of exportLines(sources, o, stats)) out += line;
  return out;
}

const world = () => sim.sim.world;
const tagsOf = (did: number) =>
  sim.sim.state
    .tagsOf(did, Date.now())
    .map((t) => t.name)
    .sort();
const iso = (ms?: number) => new Date(ms!).toISOString();

function expectRowMatches(row: Record<string, unknown>, d: Device) {
  const sub = world().subnets.find((s) => s.sid === d.sid);
  expect(row).toMatchObject({
    instance: 'lab',
    hostname: d.hostname ?? '',
    mac: d.macaddress ?? '',
    vendor: d.vendor ?? '',
    os: d.os ?? '',
    type: d.typelabel,
    subnet_label: sub?.label ?? '',
    subnet: sub?.network ?? '',
    first_seen: iso(d.firstSeen),
    last_seen: iso(d.lastSeen),
  });
}

describe('asset export', () => {
  it('writes every one of 10,000 devices once as CSV, with the appliance’s fields, and parses back', async () => {
    const stats: ExportStats = { devices: {}, watermark: {} };
    const csv = await collect({ format: 'csv' }, stats);
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(world().devices).toHaveLength(DEVICES);
    expect(rows).toHaveLength(DEVICES);
    expect(stats.devices.lab).toBe(DEVICES);
    const dids = rows.map((r) => Number(r.did));
    expect(new Set(dids).size).toBe(DEVICES);
    expect(new Set(dids)).toEqual(new Set(world().devices.map((d) => d.did)));
    const byDid = new Map(rows.map((r) => [Number(r.did), r]));
    // Seeded devices (tags, priority, SaaS users without an IP) and campus devices alike.
    const tagged = sim.sim.state.linksNow(Date.now()).map((l) => l.did);
    const sample = [
      ...world().devices.slice(0, 40),
      ...world().devices.filter((d) => d.priority),
      ...world().devices.slice(-40),
    ];
    for (const did of [...tagged, ...sample.map((d) => d.did)]) {
      const d = world().byDid.get(did)!;
      const r = byDid.get(did)!;
      expectRowMatches(r, d);
      expect(r.tags).toBe(tagsOf(did).join(';'));
      expect(r.ips).toBe(d.ip ?? '');
      expect(Number(r.priority)).toBe(d.priority ?? 0);
    }
    expect(stats.watermark.lab).toBe(Math.max(...world().devices.map((d) => d.lastSeen ?? 0)));
  }, 120_000);

  it('writes the same devices as JSON Lines, one object a line', async () => {
    const text = await collect({ format: 'jsonl' });
    const rows = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AssetRow);
    expect(rows).toHaveLength(DEVICES);
    expect(new Set(rows.map((r) => r.did)).size).toBe(DEVICES);
    const d = world().devices.find((x) => (x.tags ?? tagsOf(x.did)).length > 0)!;
    const r = rows.find((x) => x.did === d.did)!;
    expectRowMatches(r as unknown as Record<string, unknown>, d);
    expect(r.tags).toEqual(tagsOf(d.did));
    expect(r.ips).toEqual([d.ip]);
  }, 120_000);

  it('reads a page only when the reader wants more: a stalled reader holds one page, not the inventory', async () => {
    const before = sim.state().requests;
    const lines = exportLines(sources, { format: 'jsonl' });
    for (let i = 0; i < 301; i++) await lines.next(); // the first page (300 devices) and one of the second
    const afterTwoPages = sim.state().requests;
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.state().requests).toBe(afterTwoPages);
    expect(afterTwoPages - before).toBe(3); // /subnets, then two /devicesearch pages of 34
    await lines.return(undefined);
  });

  it('exports incrementally: --since by last-seen time, and only what was seen after the last watermark', async () => {
    const cut = world().startedAt - 10 * 86_400_000;
    const since = parse(await collect({ format: 'csv', since: cut }), { columns: true }) as { did: string }[];
    const expected = world().devices.filter((d) => (d.lastSeen ?? 0) >= cut);
    expect(expected.length).toBeGreaterThan(1000);
    expect(expected.length).toBeLessThan(DEVICES);
    expect(new Set(since.map((r) => Number(r.did)))).toEqual(new Set(expected.map((d) => d.did)));

    const first: ExportStats = { devices: {}, watermark: {} };
    await collect({ format: 'jsonl' }, first);
    const none: ExportStats = { devices: {}, watermark: {} };
    expect(await collect({ format: 'jsonl', after: first.watermark }, none)).toBe('');
    expect(none.watermark).toEqual(first.watermark);

    const now = Date.now() + 1000;
    const talked = [world().devices[5].did, world().devices[5000].did, world().devices[9999].did];
    for (const did of talked) seeDevice(world(), sim.sim.tl, did, now);
    const next: ExportStats = { devices: {}, watermark: {} };
    const rows = (await collect({ format: 'jsonl', after: first.watermark }, next))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AssetRow);
    expect(rows.map((r) => r.did).sort()).toEqual([...talked].sort());
    expect(rows.every((r) => r.last_seen === iso(now))).toBe(true);
    expect(next.watermark.lab).toBe(now);
  }, 120_000);
});

describe('asset import', () => {
  const csvOf = (lines: string[]) => Readable.from([`${lines.join('\r\n')}\r\n`]);
  const target = () => storeTarget(store, sources, 'test:alice');

  it('applies good rows, reports unknown, ambiguous and broken ones by line, and a second run changes nothing', async () => {
    const w = world();
    // Campus devices: no tags and priority 0 to start with.
    const [a, b, c, e] = [w.devices[1000], w.devices[2000], w.devices[3000], w.devices[4000]];
    // A hostname two campus devices share (a re-imaged machine), so matching on it is ambiguous.
    const counts = new Map<string, number>();
    for (const d of w.devices) if (d.hostname) counts.set(d.hostname, (counts.get(d.hostname) ?? 0) + 1);
    const shared = [...counts].find(([, n]) => n > 1)![0];
    // A seeded device that carries a tag.
    const link = sim.sim.state.linksNow(Date.now()).find((l) => l.did > 0)!;
    const f = w.byDid.get(link.did)!;
    const fTag = sim.sim.state.tags.find((t) => t.tid === link.tid)!.name;
    const campus = w.subnets.find((s) => s.label === 'Campus')!;
    expect([a, b, c, e].map((d) => [tagsOf(d.did), d.priority])).toEqual(Array(4).fill([[], undefined]));
    const file = [
      'did,mac,ip,hostname,add_tags,remove_tags,vip,priority,subnet_label',
      `${a.did},,,,"Key Asset;Admin",,yes,,`, // line 2: two tags, quoted
      `,${b.macaddress!.toUpperCase()},,,,,,-2,`, // line 3: by MAC, any case
      `,,${c.ip},,"Guest",,,,"Campus, ""North"""`, // line 4: by IP, a comma and quotes in the label
      `,,,${e.hostname},"OT Engineer",,,,`, // line 5: by hostname
      '99999999,,,,Admin,,,,', // line 6: no such device
      `,,,${shared},Admin,,,,`, // line 7: ambiguous
      `${a.did},,,,Admin,,,,,extra`, // line 8: one cell too many
      `${a.did},,,,,,,high,`, // line 9: priority not a number
      `,,,,Admin,,,,`, // line 10: nothing to match on
      `${a.did},,,,"Key Asset, EMEA",,,,`, // line 11: a tag with a comma
      `${f.did},,,,,"${fTag}",,,`, // line 12: removes a tag the device had
    ];
    const seen: RowResult[] = [];
    const first = await importAssets(csvOf(file), target(), { instances: ['lab'] }, (r) => seen.push(r));
    const byLine = new Map(first.results.map((r) => [r.line, r]));
    expect(seen).toEqual(first.results);
    expect(first.rows).toBe(11);
    expect(byLine.get(2)).toMatchObject({
      status: 'applied',
      did: a.did,
      changes: ['+tag Key Asset', '+tag Admin', 'priority 0 → 5'],
    });
    expect(byLine.get(3)).toMatchObject({ status: 'applied', did: b.did, changes: ['priority 0 → -2'] });
    expect(byLine.get(4)).toMatchObject({
      status: 'applied',
      did: c.did,
      changes: expect.arrayContaining([`subnet ${campus.network} label "Campus" → "Campus, "North""`]),
    });
    expect(byLine.get(5)).toMatchObject({ status: 'applied', did: e.did, changes: ['+tag OT Engineer'] });
    expect(byLine.get(6)).toMatchObject({ status: 'no such device', message: 'no device has did 99999999' });
    expect(byLine.get(7)?.status).toBe('ambiguous match');
    expect(byLine.get(7)?.message).toMatch(/^2 devices have hostname .*match on did or mac instead$/);
    expect(byLine.get(8)).toMatchObject({
      status: 'invalid',
      message: 'this row has 10 cells and the header 9: check its commas and quotes',
    });
    expect(byLine.get(9)).toMatchObject({
      status: 'invalid',
      message: expect.stringContaining('priority "high"'),
    });
    expect(byLine.get(10)).toMatchObject({
      status: 'invalid',
      message: expect.stringContaining('no device to match'),
    });
    expect(byLine.get(11)).toMatchObject({
      status: 'invalid',
      message: 'tag "Key Asset, EMEA" has a comma, which the tag commands read as two tags',
    });
    expect(byLine.get(12)).toMatchObject({ status: 'applied', did: f.did, changes: [`-tag ${fTag}`] });
    expect(first.counts).toMatchObject({ applied: 5, 'no such device': 1, 'ambiguous match': 1, invalid: 4 });

    // The appliance has it all.
    expect(tagsOf(a.did)).toEqual(expect.arrayContaining(['Admin', 'Key Asset']));
    expect(w.byDid.get(a.did)!.priority).toBe(5);
    expect(w.byDid.get(b.did)!.priority).toBe(-2);
    expect(tagsOf(c.did)).toContain('Guest');
    expect(campus.label).toBe('Campus, "North"');
    expect(tagsOf(e.did)).toEqual(['OT Engineer']);
    expect(tagsOf(f.did)).not.toContain(fTag);
    // Tagging went through the audited commands, as the named user.
    const audit = await store.commandRuns.list(50, { instance: 'lab' });
    expect(
      audit.filter((r) => r.command === 'tag-devices' && r.who === 'test:alice').length,
    ).toBeGreaterThanOrEqual(3);
    expect(audit.some((r) => r.command === 'untag-devices')).toBe(true);

    // Again: every good row is unchanged, nothing is sent, nothing is audited.
    const auditBefore = (await store.commandRuns.list(1000)).length;
    const requests = sim.state().requests;
    const second = await importAssets(csvOf(file), target(), { instances: ['lab'] });
    expect(second.counts).toMatchObject({
      applied: 0,
      unchanged: 5,
      'no such device': 1,
      'ambiguous match': 1,
      invalid: 4,
    });
    expect((await store.commandRuns.list(1000)).length).toBe(auditBefore);
    // Only reads: /subnets and the inventory's pages.
    expect(sim.state().requests - requests).toBe(1 + Math.ceil(DEVICES / 300));
  }, 120_000);

  it('--dry-run says what would change and changes nothing', async () => {
    const d = world().devices[6000];
    const file = ['did,add_tags,vip', `${d.did},High Risk,yes`, `${d.did},High Risk,yes`];
    const dry = await importAssets(csvOf(file), target(), { instances: ['lab'], dryRun: true });
    expect(dry.results.map((r) => [r.status, r.changes])).toEqual([
      ['would change', ['+tag High Risk', 'priority 0 → 5']],
      ['unchanged', []],
    ]);
    expect(tagsOf(d.did)).not.toContain('High Risk');
    expect(world().byDid.get(d.did)!.priority).toBeUndefined();
  }, 60_000);

  it('refuses a file whose header it cannot read, before touching anything', async () => {
    await expect(
      importAssets(csvOf(['did,add_tag', '1,Admin']), target(), { instances: ['lab'] }),
    ).rejects.toThrow(/unknown column "add_tag" in the header \(line 1\)/);
    await expect(
      importAssets(csvOf(['add_tags', 'Admin']), target(), { instances: ['lab'] }),
    ).rejects.toThrow(/none of did, mac, ip, hostname/);
  });
});
