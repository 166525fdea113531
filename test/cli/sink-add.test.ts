// `dtc sink add` takes each sink type's options as flags derived from the type's spec (every field has a
// flag, every flag is a field), writes the declaration into the config file without losing its comments,
// validates it with the composed config schema, never takes or shows a secret's value, and the result
// runs: the service started on that file delivers to the sink, and `dtc sink list` shows it.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SINK_ADD_OWN_FLAGS, SINK_TYPE_FLAGS } from '../../src/cli/actions/sink-flags.ts';
import { addTypeOptions, registerSink } from '../../src/cli/sink.ts';
import { SINKS } from '../../src/deliver/registry.ts';
import { loadConfigFile } from '../../src/service/config.ts';
import type { ServiceLogger } from '../../src/service/logger.ts';
import { startService } from '../../src/service/service.ts';
import { optionRows } from '../../src/util/spec.ts';
import { waitFor } from '../deliver/helpers.ts';

const quiet: ServiceLogger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

function program() {
  const p = new Command().exitOverride();
  p.configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerSink(p);
  return p;
}

async function addCommand() {
  const sink = program().commands.find((c) => c.name() === 'sink')!;
  const add = sink.commands.find((c) => c.name() === 'add')!;
  await addTypeOptions(add);
  return add;
}

/** Runs `dtc sink …` in process; its stdout, or the error it stops with. */
async function dtcSink(args: string[]): Promise<{ out: string; error?: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program().parseAsync(['sink', ...args], { from: 'user' });
    return { out };
  } catch (err) {
    return { out, error: (err as Error).message };
  } finally {
    spy.mockRestore();
  }
}

const dir = () => mkdtempSync(join(tmpdir(), 'dtc-sink-add-'));

afterEach(() => {
  delete process.env.HEC_TOKEN_TEST;
});

describe('dtc sink add flags, derived from the sink specs', () => {
  it('has a flag for every option of every sink type, and no flag that is not one', async () => {
    for (const m of SINKS) {
      const fields = optionRows(m.options).map((r) => r.name);
      const flags = SINK_TYPE_FLAGS.filter((f) => f.type === m.type).map((f) => f.path.join('.'));
      expect(flags, m.type).toEqual(fields);
    }
    const options = (await addCommand()).options.map((o) => o.long!);
    for (const f of SINK_TYPE_FLAGS) expect(options, f.flag).toContain(f.flag);
    const known = new Set([...SINK_TYPE_FLAGS.map((f) => f.flag), ...SINK_ADD_OWN_FLAGS, '--help']);
    expect(options.filter((o) => !known.has(o))).toEqual([]);
  });

  it("lists each type's options with the spec's descriptions and defaults", async () => {
    const help = (await addCommand()).configureHelp({ helpWidth: 10_000 }).helpInformation();
    expect(help).toMatch(/Options of splunk sinks:/);
    expect(help).toMatch(
      /--ack-timeout <n>\s+seconds to wait for that confirmation before sending again \(default 120\)/,
    );
    expect(help).toMatch(/--facility <n>\s+syslog facility number .*\(default 20\)/);
    expect(help).toMatch(/--op <value>\s+index \(replace by _id\) or create/);
    // A secret is taken only as the name of an environment variable.
    expect(help).toMatch(
      /--token-env <NAME>\s+splunk: HEC token; nats: auth token: the NAME of the environment variable/,
    );
    expect(help).toMatch(/--api-key-env <NAME>/);
    expect(help).not.toMatch(/--token </);
  });

  it('writes the declaration, keeping the comments and order, and says when it applies', async () => {
    const d = dir();
    const file = join(d, 'dtc.yaml');
    writeFileSync(
      file,
      '# our hub\napi:\n  port: 0 # the API\nsinks:\n  # the archive\n  - name: archive\n    format: ecs\n    url: file:///tmp/a.ndjson\n',
    );
    const r = await dtcSink([
      'add',
      'relay',
      '--url',
      'syslog+tcp://127.0.0.1:5514',
      '--format',
      'cef',
      '--config',
      file,
      '--facility',
      '16',
      '--framing',
      'lf',
    ]);
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(/applies it on restart/);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(
      /^# our hub\napi:\n {2}port: 0 # the API\nsinks:\n {2}# the archive\n {2}- name: archive\n/,
    );
    expect(text.indexOf('name: archive')).toBeLessThan(text.indexOf('name: relay'));
    const c = loadConfigFile(file, {});
    expect(c.sinks.map((s) => s.name)).toEqual(['archive', 'relay']);
    expect(c.sinks[1]).toMatchObject({
      format: 'cef',
      url: 'syslog+tcp://127.0.0.1:5514',
      options: { facility: 16, framing: 'lf' },
    });
    // The same name again is refused; the file is unchanged.
    expect(
      (await dtcSink(['add', 'relay', '--url', 'file:///tmp/b', '--format', 'json', '--config', file])).error,
    ).toMatch(/already declared/);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('keeps a JSON config file JSON', async () => {
    const file = join(dir(), 'dtc.json');
    writeFileSync(file, '{"api": {"port": 0}}\n');
    const r = await dtcSink(['add', 'out', '--url', 'stdout:', '--format', 'json', '--config', file]);
    expect(r.error).toBeUndefined();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      api: { port: 0 },
      sinks: [{ name: 'out', format: 'json', url: 'stdout:' }],
    });
  });

  it("refuses a wrong value with the spec's message and its path, and another type's flag", async () => {
    const file = join(dir(), 'dtc.yaml');
    const add = (...a: string[]) => dtcSink(['add', 'x', '--config', file, ...a]);
    const hec = ['--url', 'splunk://127.0.0.1:8088', '--format', 'ecs', '--token-env', 'T'];
    expect((await add(...hec, '--ack-timeout', '-3')).error).toMatch(
      /sinks\[0\]\.options\.ackTimeout: must be a number of seconds above 0/,
    );
    expect((await add(...hec, '--channel', 'nope')).error).toMatch(
      /sinks\[0\]\.options\.channel: must be a GUID/,
    );
    expect((await add(...hec, '--ack-timeout', 'soon')).error).toMatch(
      /^--ack-timeout: must be a number, got "soon"/,
    );
    expect((await add('--url', 'syslog://h:514', '--format', 'cef', '--op', 'create')).error).toMatch(
      /--op is not an option of syslog sinks \(syslog takes --framing/,
    );
    expect((await add('--url', 'file:///tmp/x', '--format', 'xml')).error).toMatch(
      /sinks\[0\]\.format: must be one of ecs/,
    );
    expect((await add('--url', 'gopher://h', '--format', 'ecs')).error).toMatch(
      /^--url: unknown sink scheme "gopher:\/\/"/,
    );
    // Nothing was written by any of them.
    expect(existsSync(file)).toBe(false);
  });

  it('never takes a secret on the command line, and stores an environment reference', async () => {
    const file = join(dir(), 'dtc.yaml');
    const base = ['add', 'hec', '--config', file, '--format', 'ecs'];
    expect((await dtcSink([...base, '--url', 'splunk://127.0.0.1:8088', '--token', 'abc'])).error).toMatch(
      /unknown option '--token'/,
    );
    expect((await dtcSink([...base, '--url', 'splunk://127.0.0.1:8088?token=abc'])).error).toMatch(
      /--token-env NAME instead/,
    );
    expect((await dtcSink([...base, '--url', 'https://u:pw@hook.example/x'])).error).toMatch(
      /password in the URL/,
    );
    expect(
      (await dtcSink([...base, '--url', 'splunk://127.0.0.1:8088', '--token-env', 'not a name'])).error,
    ).toMatch(/^--token-env: takes the name of an environment variable/);
    expect(existsSync(file)).toBe(false);
  });
});

describe('dtc sink add → dtc start --config → dtc sink list', () => {
  it('declares sinks that the service loads and delivers to, a secret only as its reference', async () => {
    const d = dir();
    const file = join(d, 'dtc.yaml');
    const out = join(d, 'out.ndjson');
    const secretValue = 'hec-5ecret-value-8c1f';
    // A local HTTP Event Collector that records the token it is sent.
    const auth: string[] = [];
    const hec = createServer((req, res) => {
      auth.push(String(req.headers.authorization));
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"text":"Success","code":0}');
      });
    });
    await new Promise<void>((r) => hec.listen(0, '127.0.0.1', r));
    const hecUrl = `splunk+http://127.0.0.1:${(hec.address() as AddressInfo).port}`;
    process.env.HEC_TOKEN_TEST = secretValue;

    const a = await dtcSink([
      'add',
      'archive',
      '--url',
      pathToFileURL(out).href,
      '--format',
      'json',
      '--config',
      file,
    ]);
    const b = await dtcSink([
      'add',
      'hec',
      '--url',
      hecUrl,
      '--format',
      'ecs',
      '--config',
      file,
      '--token-env',
      'HEC_TOKEN_TEST',
      '--source',
      'hub',
    ]);
    expect([a.error, b.error]).toEqual([undefined, undefined]);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('token: ${HEC_TOKEN_TEST}');
    for (const shown of [text, a.out, b.out]) expect(shown).not.toContain(secretValue);
    // The file validates, the loader resolving the reference from the environment.
    const config = loadConfigFile(file, { HEC_TOKEN_TEST: secretValue });
    expect(config.sinks.find((s) => s.name === 'hec')?.options).toEqual({
      token: secretValue,
      source: 'hub',
    });

    const dataDir = join(d, 'data');
    const svc = await startService({
      dataDir,
      port: 0,
      configFile: file,
      log: quiet,
      demoPollSeconds: 1,
      demoSink: false,
      env: { ...process.env, DTC_SECRET_KEY: 'e'.repeat(64), HEC_TOKEN_TEST: secretValue },
    });
    try {
      await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').length > 0, 60_000, 'the file sink');
      await waitFor(() => auth.length > 0, 60_000, 'the HEC sink');
      expect(auth[0]).toBe(`Splunk ${secretValue}`);
    } finally {
      await svc.stop();
      hec.close();
    }
    const list = await dtcSink(['list', '--data-dir', dataDir, '-o', 'json']);
    expect(list.error).toBeUndefined();
    const rows = JSON.parse(list.out) as { name: string; type: string; url: string; offset: number }[];
    expect(rows.map((r) => [r.name, r.type])).toEqual(
      expect.arrayContaining([
        ['archive', 'file'],
        ['hec', 'splunk'],
      ]),
    );
    expect(rows.find((r) => r.name === 'archive')!.offset).toBeGreaterThan(0);
    expect(list.out).not.toContain(secretValue);

    // remove: the store's record and, with --config, the declaration.
    const rm = await dtcSink(['remove', 'hec', '--data-dir', dataDir, '--config', file]);
    expect(rm.error).toBeUndefined();
    expect(rm.out).toMatch(/sink hec removed \(it was at offset \d+\)/);
    expect(rm.out).toMatch(/dropped from .*applies it on restart/);
    expect(loadConfigFile(file, {}).sinks.map((s) => s.name)).toEqual(['archive']);
  }, 120_000);
});
