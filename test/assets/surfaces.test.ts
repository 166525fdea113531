// The asset export and import as people reach them: GET /api/assets on a real API server, `dtc assets`

// (the built binary, with its progress bar on a terminal), and the scheduled export to a file, to an
// HTTP endpoint and to a declared sink by name, all against the simulator over loopback.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetsScheduleSchema } from '../../src/assets/config.ts';
import { openSources } from '../../src/assets/instances.ts';
import { runScheduledExport, startAssetSchedule } from '../../src/assets/schedule.ts';
import { AccessControl } from '../../src/auth/index.ts';
import { createMetrics } from '../../src/metrics/index.ts';
import { type Api, buildApi } from '../../src/server/app.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { seeDevice } from '../../src/simulator/inventory.ts';
import type { Store } from '../../src/store/index.ts';
import { runDtc } from '../helpers/dtc.ts';
import { program } from '../helpers/programs.ts';
import { KEY } from '../store/helpers.ts';
import { useLab } from './helpers.ts';

const lab = useLab({ devices: 1200, seed: 5 });
let sim: Simulator;
let store: Store;
let dir: string;
let api: Api;
let apiUrl: string;
let key: string;

beforeAll(async () => {
  ({ sim, store, dir } = lab);
  await store.instances.add({
    name: 'broken',
    url: sim.url,
    publicToken: 'pub',
    privateToken: 'wrong',
    enabled: false,
  });
  const access = new AccessControl(store);
  await access.addUser('viewer', 'correct-horse-battery', 'viewer');
  key = (await access.createApiKey({ owner: 'viewer', name: 'test', role: 'viewer' })).key;
  api = buildApi({ store, access, collector: { status: () => [] }, metrics: createMetrics() });
  apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => api?.close());

const get = (path: string) => request(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });

describe('GET /api/assets', () => {
  it('streams every device as CSV, and as JSON Lines since a time', async () => {
    const res = await get('/api/assets');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const rows = parse(await res.body.text(), { columns: true }) as { did: string; instance: string }[];
    expect(rows).toHaveLength(1200);
    expect(new Set(rows.map((r) => Number(r.did)))).toEqual(new Set(sim.sim.world.devices.map((d) => d.did)));

    const cut = sim.sim.world.startedAt - 5 * 86_400_000;
    const jl = await get(`/api/assets?format=jsonl&instance=lab&since=${new Date(cut).toISOString()}`);
    expect(jl.headers['content-type']).toBe('application/x-ndjson');
    const lines = (await jl.body.text()).trimEnd().split('\n');
    expect(lines.length).toBe(sim.sim.world.devices.filter((d) => (d.lastSeen ?? 0) >= cut).length);
  });

  it('answers an unknown instance, a bad time and a refusing appliance with the error shape', async () => {
    const unknown = await get('/api/assets?instance=nope');
    expect(unknown.statusCode).toBe(404);
    expect(await unknown.body.json()).toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('"nope"'),
    });
    const bad = await get('/api/assets?since=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.json()).toMatchObject({ code: 'invalid_parameter', parameter: 'since' });
    const refused = await get('/api/assets?instance=broken');
    expect(refused.statusCode).toBe(502);
    expect(await refused.body.json()).toMatchObject({ message: expect.stringMatching(/signature/i) });
  });
});

describe('dtc assets (the built CLI)', () => {
  it('exports to a file with a watermark, then only what was seen since', async () => {
    const out = join(dir, 'assets.csv');
    const wm = join(dir, 'wm.json');
    const env = { DTC_SECRET_KEY: KEY.toString('hex') };
    const first = await runDtc(['assets', 'export', '--data-dir', dir, '-o', out, '--watermark', wm], env);
    expect(first.err).toBe(`exported lab: 1200 to ${out}\n`);
    expect(first.code).toBe(0);
    expect(parse(readFileSync(out), { columns: true })).toHaveLength(1200);
    const did = sim.sim.world.devices[700].did;
    seeDevice(sim.sim.world, sim.sim.tl, did, Date.now());
    const next = await runDtc(
      ['assets', 'export', '--data-dir', dir, '--format', 'jsonl', '--watermark', wm],
      env,
    );
    expect(next.code).toBe(0);
    expect(
      next.out
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).did),
    ).toEqual([did]);
  });

  it('shows a progress bar on a terminal (under script(1)), and none when stderr is not one', async () => {
    const script = program('script', 'bsdutils');
    if (!script) return;
    const out = join(dir, 'tty.csv');
    const cmd = `node bin/dtc.js assets export --data-dir '${dir}' -o '${out}'`;
    const tty = await new Promise<string>((resolve, reject) =>
      execFile(
        script,
        ['-qec', cmd, '/dev/null'],
        { env: { ...process.env, DTC_SECRET_KEY: KEY.toString('hex'), COLUMNS: '120' }, timeout: 60_000 },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    // cli-progress redraws the line as pages arrive; the last drawing is the whole inventory.
    expect(tty).toMatch(/devices \[[█░]+\] \d+\/1200/);
    expect(tty).toMatch(/devices \[█+\] 1200\/1200/);
    expect(tty).toContain(`exported lab: 1200 to ${out}`);
    const piped = await runDtc(['assets', 'export', '--data-dir', dir, '-o', out], {
      DTC_SECRET_KEY: KEY.toString('hex'),
    });
    expect(piped.err).toBe(`exported lab: 1200 to ${out}\n`);
  });

  it('imports a CSV: a dry run, the run, and a second run that changes nothing', async () => {
    const d = sim.sim.world.devices[900];
    const csv = join(dir, 'in.csv');
    writeFileSync(csv, `hostname,add_tags,vip\n${d.hostname},Key Asset,yes\nnobody.example,Admin,\n`);
    const env = { DTC_SECRET_KEY: KEY.toString('hex') };
    const args = ['assets', 'import', csv, '--data-dir', dir];
    const dry = await runDtc([...args, '--dry-run'], env);
    expect(dry.out).toBe(
      `line 2: would change lab/${d.did} (+tag Key Asset, priority 0 → 5)\n` +
        'line 3: no such device: no device has hostname nobody.example\n' +
        '2 rows: 1 would change, 1 no such device (dry run: nothing changed)\n',
    );
    const run = await runDtc(args, env);
    expect(run.out).toContain(`line 2: applied lab/${d.did} (+tag Key Asset, priority 0 → 5)`);
    expect(d.priority).toBe(5);
    const again = await runDtc([...args, '--json'], env);
    expect(JSON.parse(again.out).counts).toMatchObject({ applied: 0, unchanged: 1, 'no such device': 1 });
    const bad = await runDtc(['assets', 'import', join(dir, 'missing.csv'), '--data-dir', dir], env);
    expect(bad).toMatchObject({ code: 1, err: `dtc: ${join(dir, 'missing.csv')}: no such file\n` });
  });
});

describe('scheduled export', () => {
  it('writes a file per incremental run and moves the watermark only after delivery', async () => {
    const wm = join(dir, 'sched-wm.json');
    const target = `file://${join(dir, 'out', 'inventory.jsonl')}`;
    rmSync(join(dir, 'out'), { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(join(dir, 'out'));
    const sources = await openSources(store, ['lab']);
    try {
      const s = { interval: '1h', target, format: 'jsonl' as const, incremental: true };
      const first = await runScheduledExport(s, sources, wm, 1_000);
      expect(first.stats.devices.lab).toBe(1200);
      const did = sim.sim.world.devices[100].did;
      seeDevice(sim.sim.world, sim.sim.tl, did, Date.now());
      const second = await runScheduledExport(s, sources, wm, 2_000);
      expect(readdirSync(join(dir, 'out')).sort()).toEqual([
        'inventory-1970-01-01T00-00-01.000Z.jsonl',
        'inventory-1970-01-01T00-00-02.000Z.jsonl',
      ]);
      expect(
        readFileSync(second.where, 'utf8')
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l).did),
      ).toEqual([did]);
    } finally {
      await sources.close();
    }
  });

  it('writes to a declared sink by name, through the sink registry, incrementally by last seen', async () => {
    const file = join(dir, 'sink-inventory.ndjson');
    rmSync(file, { force: true });
    const sinks = [{ name: 'inventory', format: 'json' as const, url: `file://${file}` }];
    const wm = join(dir, 'sink-wm.json');
    const s = assetsScheduleSchema.parse({
      interval: '1h',
      target: 'sink:inventory',
      format: 'jsonl',
      incremental: true,
    });
    const sources = await openSources(store, ['lab']);
    try {
      const first = await runScheduledExport(s, sources, wm, Date.now(), sinks);
      expect(first.where).toBe('sink inventory');
      const rows = () =>
        readFileSync(file, 'utf8')
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l));
      expect(rows()).toHaveLength(1200);
      expect(rows()[0]).toMatchObject({ instance: 'lab', did: expect.any(Number), mac: expect.any(String) });
      const did = sim.sim.world.devices[300].did;
      seeDevice(sim.sim.world, sim.sim.tl, did, Date.now());
      await runScheduledExport(s, sources, wm, Date.now(), sinks);
      expect(rows()).toHaveLength(1201);
      expect(rows()[1200].did).toBe(did);
    } finally {
      await sources.close();
    }
    // A sink the config does not declare stops the schedule's start, saying which exist.
    expect(() =>
      startAssetSchedule(
        store,
        { ...s, target: 'sink:nope' },
        { dataDir: dir, log: console as never, sinks },
      ),
    ).toThrow('assets.target: no sink named "nope" (declared: inventory)');
    // Sinks carry records: CSV is refused at load, with the field named.
    const csv = assetsScheduleSchema.safeParse({ interval: '1h', target: 'sink:inventory', format: 'csv' });
    expect(csv.success).toBe(false);
    expect(csv.error?.issues[0]).toMatchObject({
      path: ['format'],
      message: expect.stringMatching(/takes format: jsonl/),
    });
  });

  it('POSTs to an HTTP target and retries the same devices after a refusal', async () => {
    const bodies: { type?: string; body: string }[] = [];
    let status = 503;
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        bodies.push({ type: req.headers['content-type'], body });
        res.writeHead(status).end(status === 503 ? 'busy' : 'ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/import`;
    const wm = join(dir, 'http-wm.json');
    const sources = await openSources(store, ['lab']);
    try {
      const s = { interval: '1h', target: url, format: 'csv' as const, incremental: true };
      await expect(runScheduledExport(s, sources, wm)).rejects.toThrow(/answered 503: busy/);
      expect(() => readFileSync(wm)).toThrow();
      status = 200;
      await runScheduledExport(s, sources, wm);
      expect(bodies.map((b) => b.type)).toEqual(['text/csv', 'text/csv']);
      expect(parse(bodies[1].body, { columns: true })).toHaveLength(1200);
      expect(JSON.parse(readFileSync(wm, 'utf8')).lastSeen.lab).toBeGreaterThan(0);
    } finally {
      await sources.close();
      server.close();
    }
  });
});
