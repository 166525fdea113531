// The MCP face with the official SDK's own Client, over both transports: streamable HTTP on a running
// `dtc start` (a real process polling the simulator), and stdio through `dtc mcp` spawned on the same
// data directory. The tools come from the catalog; commands act on the simulator; detection search reads
// what the collector stored; errors name the argument; the audit trail says the run came via MCP.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandEffect, commands, jsonSchema } from '../../src/commands/index.ts';
import { DarktraceClient } from '../../src/darktrace/index.ts';
import type { ModelBreach } from '../../src/darktrace/types.ts';
import { detectionDetailParams, detectionFilters } from '../../src/server/detections.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';

const PUB = 'mcp-pub';
const PRIV = 'mcp-priv';
const DETECTION_TOOLS = ['search-detections', 'get-detection'];

let sim: Simulator;
let dt: DarktraceClient;
let service: ChildProcess;
let serviceErr = '';
let api: string;
let dataDir: string;
let breaches: ModelBreach[];
/** Detections searched up to this time, so the live stream cannot change a page between two reads. */
let until: number;

// The bootstrap admin's API key, read once the service has started.
let apiKey = '';
const auth = () => ({ authorization: `Bearer ${apiKey}` });
const getJson = async (path: string) =>
  (await fetch(`${api}${path}`, { headers: auth() })).json() as Promise<any>;

async function waitFor<T>(f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out; service said: ${serviceErr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const text = (r: CallToolResult) =>
  r.content
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');

/** The catalog is the contract: one tool a command with its schema, plus the detection tools. */
function expectToolsFromCatalog(tools: Tool[]) {
  expect(tools).toHaveLength(commands.length + DETECTION_TOOLS.length);
  expect(tools.map((t) => t.name)).toEqual([...commands.map((c) => c.name), ...DETECTION_TOOLS]);
  for (const c of commands) {
    const tool = tools.find((t) => t.name === c.name)!;
    const fromCatalog = jsonSchema(c.params) as { properties: object; required?: string[] };
    const { instance, ...params } = tool.inputSchema.properties as Record<string, object>;
    expect(instance).toMatchObject({ type: 'string' });
    expect(params).toEqual(fromCatalog.properties);
    expect(tool.inputSchema.required).toEqual(['instance', ...(fromCatalog.required ?? [])]);
    expect(tool.description).toContain(c.description);
    expect(tool.annotations).toMatchObject({
      readOnlyHint: commandEffect(c) === 'read',
      destructiveHint: commandEffect(c) === 'destructive',
    });
  }
  const byName = new Map(tools.map((t) => [t.name, t]));
  // RESPOND actions act on the network; removing tags deletes; acknowledging only adds.
  for (const n of ['create-actions', 'activate-action', 'extend-action', 'clear-action', 'untag-devices'])
    expect(byName.get(n)!.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
  expect(byName.get('acknowledge')!.annotations).toMatchObject({
    readOnlyHint: false,
    destructiveHint: false,
  });
  for (const n of ['get-status', 'list-actions', 'search-breaches', 'download-pcap'])
    expect(byName.get(n)!.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
  expect(byName.get('search-detections')!.inputSchema).toEqual(jsonSchema(detectionFilters));
  expect(byName.get('get-detection')!.inputSchema).toEqual(jsonSchema(detectionDetailParams));
}

beforeAll(async () => {
  sim = await startSimulator({
    publicToken: PUB,
    privateToken: PRIV,
    seed: 16,
    history: { count: 300, days: 1 },
  });
  dt = new DarktraceClient({ url: sim.url, publicToken: PUB, privateToken: PRIV, retryBaseMs: 5 });
  breaches = await dt.modelBreaches.list({ starttime: Date.now() - 2 * 86_400_000, endtime: Date.now() });
  dataDir = mkdtempSync(join(tmpdir(), 'dtc-mcp-'));
  const config = join(dataDir, 'dtc.yaml');
  writeFileSync(
    config,
    `instances:\n  - name: lab\n    url: ${sim.url}\n    publicToken: ${PUB}\n    privateToken: \${LAB_PRIVATE}\n    pollIntervalSeconds: 30\n`,
  );
  service = spawn('node', ['bin/dtc.js', 'start', '--port', '0', '--config', config, '--data-dir', dataDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CI: 'true', LAB_PRIVATE: PRIV },
  });
  service.stderr!.on('data', (d) => {
    serviceErr += d;
  });
  api = await waitFor(async () => /API:\s+(http:\/\/\S+)/.exec(serviceErr)?.[1]);
  apiKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
  // The collector's first poll stores the simulator's history.
  await waitFor(async () => {
    const d = await getJson('/api/detections?instance=lab&limit=1');
    return d.total > 0 ? d : undefined;
  });
  until = Date.now();
}, 60_000);

afterAll(async () => {
  service?.kill('SIGTERM');
  await dt?.close();
  await sim?.close();
});

describe('MCP over streamable HTTP on the running service', () => {
  let client: Client;
  beforeAll(async () => {
    client = new Client({ name: 'mcp-http-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${api}/mcp`), { requestInit: { headers: auth() } }),
    );
  });
  afterAll(() => client?.close());

  it('lists one tool per catalog command, with the catalog schemas, and the detection tools', async () => {
    expect(client.getServerVersion()?.name).toBe('darktrace-hub');
    expectToolsFromCatalog((await client.listTools()).tools);
  });

  it('runs a read command and a multi-item command on the instance, and audits them as MCP', async () => {
    const status = (await client.callTool({
      name: 'get-status',
      arguments: { instance: 'lab' },
    })) as CallToolResult;
    expect(status.isError).toBe(false);
    const direct = await dt.system.status();
    expect(status.structuredContent).toMatchObject({
      command: 'get-status',
      outcome: 'Successful',
      data: { version: direct.version, hostname: direct.hostname },
    });
    expect(JSON.parse(text(status).split('\n').at(-1)!)).toEqual(status.structuredContent);

    const [a, b] = breaches.filter((x) => !x.acknowledged);
    const ack = (await client.callTool({
      name: 'acknowledge',
      arguments: { instance: 'lab', breachIds: [a.pbid, b.pbid, 987654321] },
    })) as CallToolResult;
    expect(ack.isError).toBe(false);
    const result = ack.structuredContent as any;
    expect(result.outcome).toBe('Partially Successful');
    expect(result.items.map((i: any) => [i.item, i.ok])).toEqual([
      [a.pbid, true],
      [b.pbid, true],
      [987654321, false],
    ]);
    expect(result.items[0].result).toEqual({ response: 'SUCCESS' });
    expect(result.items[2].error).toMatchObject({ indicator: 'Acknowledge failed.' });
    expect(text(ack)).toMatch(
      new RegExp(
        `acknowledge on lab: Partially Successful\\n  ok ${a.pbid}\\n  ok ${b.pbid}\\n  failed 987654321: Acknowledge failed\\.`,
      ),
    );
    // The appliance's state changed.
    for (const x of [a, b])
      expect(
        (await dt.modelBreaches.get({ pbid: x.pbid, includeacknowledged: true })).acknowledged,
      ).toBeTruthy();

    const runs = await getJson('/api/command-runs?limit=2');
    expect(runs.map((r: any) => [r.command, r.outcome])).toEqual([
      ['acknowledge', 'Partially Successful'],
      ['get-status', 'Successful'],
    ]);
    // Stateless HTTP: each request is its own session, so the client's name (sent once, at
    // initialisation) is not known when the tool runs; stdio records it.
    expect(runs[0].who).toMatch(/^mcp:http:admin \(key [0-9a-f]{8}\)$/);
    expect(runs[0].params).toEqual({ breachIds: [a.pbid, b.pbid, 987654321] });
  });

  it('searches the detections the collector stored and reads one, as GET /api/detections does', async () => {
    const args = { instance: 'lab', family: 'model_breach', to: until, limit: 5 };
    const found = (await client.callTool({ name: 'search-detections', arguments: args })) as CallToolResult;
    expect(found.isError).toBeFalsy();
    const page = found.structuredContent as { items: any[]; total: number };
    const overHttp = await getJson(`/api/detections?instance=lab&family=model_breach&to=${until}&limit=5`);
    expect(page.total).toBeGreaterThan(0);
    expect(page.total).toBe(overHttp.total);
    expect(page.items.map((d) => d.key)).toEqual(overHttp.items.map((d: any) => d.key));
    expect(page.items.every((d) => d.instance === 'lab' && d.family === 'model_breach')).toBe(true);
    const pbids = new Set(breaches.map((x) => `lab/model_breach/${x.pbid}`));
    expect(pbids.has(page.items[0].key)).toBe(true);

    const key = page.items[0].key;
    const one = (await client.callTool({ name: 'get-detection', arguments: { key } })) as CallToolResult;
    expect(one.structuredContent).toEqual(await getJson(`/api/detections/${encodeURIComponent(key)}`));
    expect((one.structuredContent as any).versions.length).toBeGreaterThanOrEqual(1);
    const missing = (await client.callTool({
      name: 'get-detection',
      arguments: { key: 'lab/model_breach/0' },
    })) as CallToolResult;
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/No detection "lab\/model_breach\/0"/);
  });

  it('answers an invalid argument with an error result naming it, before any request', async () => {
    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as CallToolResult;
    const window = await call('create-pcap', { instance: 'lab', sourceIp: '10.0.0.1', start: '2h' });
    expect(window.isError).toBe(true);
    expect(text(window)).toMatch(/^Invalid argument "end": the capture window is 120 minutes/);
    const typed = await call('acknowledge', { instance: 'lab', breachIds: ['ninety'] });
    expect(text(typed)).toMatch(/^Invalid argument "breachIds": must be a whole number, got "ninety"/);
    const unknown = await call('get-status', { instance: 'lab', colour: 'blue' });
    expect(text(unknown)).toMatch(/^Invalid argument "colour": unknown parameter/);
    const noInstance = await call('get-status', {});
    expect(text(noInstance)).toMatch(/^Invalid argument "instance": is required/);
    const wrongInstance = await call('get-status', { instance: 'prod' });
    expect(text(wrongInstance)).toMatch(
      /^Invalid argument "instance": no instance named "prod" \(instances: lab\)/,
    );
    const severity = await call('search-detections', { severity: 9 });
    expect(text(severity)).toBe('Invalid argument "severity": must be at most 5, got 9');
    await expect(client.callTool({ name: 'no-such-tool', arguments: {} })).rejects.toThrow(/Unknown tool/);
    // None of these ran: the audit trail holds only real runs.
    const runs = await getJson('/api/command-runs?limit=5');
    expect(runs.some((r: any) => r.command === 'create-pcap')).toBe(false);
  });

  it('refuses other hosts and origins on the loopback API, and GET on the stateless endpoint', async () => {
    const post = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const u = new URL(`${api}/mcp`);
        const req = request(
          {
            host: u.hostname,
            port: u.port,
            path: '/mcp',
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              ...auth(),
              ...headers,
            },
          },
          (res) => {
            let body = '';
            res.on('data', (d) => {
              body += d;
            });
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
      });
    const rebound = await post({ host: 'attacker.example:8080' });
    expect(rebound.status).toBe(403);
    // The whole API refuses a foreign Host (DNS rebinding), /mcp included, with the API's error shape.
    expect(JSON.parse(rebound.body)).toMatchObject({
      code: 'forbidden',
      message: 'Host attacker.example:8080 is not a name this API answers to',
    });
    const origin = await post({ origin: 'https://attacker.example' });
    expect(origin.status).toBe(403);
    expect((await post({ origin: 'http://localhost:3000' })).status).toBe(200);
    const get = await fetch(`${api}/mcp`, { headers: { accept: 'text/event-stream', ...auth() } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await getJson('/api/openapi.json')).paths['/mcp'].post.summary).toMatch(/Model Context Protocol/);
  });
});

describe('MCP over stdio: dtc mcp on the same data directory', () => {
  let client: Client;
  let transport: StdioClientTransport;
  let stderr = '';
  const errors: Error[] = [];
  beforeAll(async () => {
    transport = new StdioClientTransport({
      command: process.execPath,
      args: ['bin/dtc.js', 'mcp', '--data-dir', dataDir],
      env: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => !!e[1])),
      stderr: 'pipe',
    });
    transport.stderr!.on('data', (d) => {
      stderr += d;
    });
    client = new Client({ name: 'mcp-stdio-test', version: '1.0.0' });
    client.onerror = (e) => errors.push(e);
    await client.connect(transport);
  }, 30_000);

  it('lists the same tools', async () => {
    expectToolsFromCatalog((await client.listTools()).tools);
    expect(stderr).toMatch(
      new RegExp(`${commands.length + 2} tools over stdio; data directory .*; instances: lab`),
    );
  });

  it('runs multi-item commands on the simulator and searches what the service stored', async () => {
    const [a] = breaches.filter((x) => !x.acknowledged).slice(2);
    const ack = (await client.callTool({
      name: 'acknowledge',
      arguments: { instance: 'lab', breachIds: [a.pbid] },
    })) as CallToolResult;
    expect(ack.structuredContent).toMatchObject({
      outcome: 'Successful',
      items: [{ item: a.pbid, ok: true }],
    });
    const read = (await client.callTool({
      name: 'get-breaches',
      arguments: { instance: 'lab', breachIds: [a.pbid] },
    })) as CallToolResult;
    const item = (read.structuredContent as any).items[0];
    expect(item.result).toMatchObject({ pbid: a.pbid, acknowledged: expect.anything() });
    expect(item.result.acknowledged).toBeTruthy();
    const un = (await client.callTool({
      name: 'unacknowledge',
      arguments: { instance: 'lab', breachIds: String(a.pbid) },
    })) as CallToolResult;
    expect(un.structuredContent).toMatchObject({ outcome: 'Successful' });
    expect((await dt.modelBreaches.get({ pbid: a.pbid })).acknowledged).toBe(false);

    const found = (await client.callTool({
      name: 'search-detections',
      arguments: { instance: 'lab', to: new Date(until).toISOString(), limit: 3 },
    })) as CallToolResult;
    const page = found.structuredContent as { items: any[]; total: number };
    const overHttp = await getJson(`/api/detections?instance=lab&to=${until}&limit=3`);
    expect(page.total).toBe(overHttp.total);
    expect(page.items.map((d) => d.key)).toEqual(overHttp.items.map((d: any) => d.key));
    const bad = (await client.callTool({
      name: 'search-detections',
      arguments: { family: 'email' },
    })) as CallToolResult;
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/^Invalid argument "family": must be one of model_breach, /);

    // The service reads the audit rows the stdio process wrote to the shared store.
    const runs = await getJson('/api/command-runs?limit=3');
    expect(runs.map((r: any) => r.command)).toEqual(['unacknowledge', 'get-breaches', 'acknowledge']);
    expect(runs.every((r: any) => /^mcp:stdio:\S+ \(mcp-stdio-test\)$/.test(r.who))).toBe(true);
  });

  it('keeps stdout for protocol messages and exits when the client closes', async () => {
    const pid = transport.pid!;
    await client.close();
    await waitFor(async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 10_000);
    // A line on stdout that is not JSON-RPC would have reached the client as an error.
    expect(errors).toEqual([]);
  });
});
