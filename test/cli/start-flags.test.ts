// `dtc start` takes its API and syslog flags from those components' specs: every field of each spec has
// a flag, every flag is a spec field (or one of the service's own few), and a value is checked by its
// field's schema, refused naming the flag.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { specSettings } from '../../src/cli/actions/start.ts';
import { registerStart } from '../../src/cli/start.ts';
import { START_OWN_FLAGS, START_SPEC_FLAGS } from '../../src/cli/start-flags.ts';
import { syslogSpec } from '../../src/collect/listener.ts';
import { apiSpec } from '../../src/server/spec.ts';
import { optionRows } from '../../src/util/spec.ts';

function startCommand() {
  const program = new Command().exitOverride();
  registerStart(program);
  return program.commands.find((c) => c.name() === 'start')!;
}

const parse = (args: string[]) => {
  const cmd = startCommand();
  cmd.action(() => {});
  cmd.parse(args, { from: 'user' });
  return cmd.opts() as Parameters<typeof specSettings>[0];
};

describe('dtc start flags, derived from the specs', () => {
  it('has a flag for every field of the API and syslog specs, and no flag that is not one', () => {
    const fields = [
      ...optionRows(apiSpec).map((r) => `api.${r.name}`),
      ...optionRows(syslogSpec)
        .filter((r) => r.name !== 'defaultInstance')
        .map((r) => `syslog.${r.name}`),
    ].sort();
    const derived = START_SPEC_FLAGS.map((f) => `${f.section}.${f.path.join('.')}`).sort();
    expect(derived).toEqual(fields);
    const options = startCommand().options.map((o) => o.long!);
    for (const f of START_SPEC_FLAGS) expect(options, f.flag).toContain(f.flag);
    const known = new Set([...START_SPEC_FLAGS.map((f) => f.flag), ...START_OWN_FLAGS]);
    expect(options.filter((o) => !known.has(o))).toEqual([]);
  });

  it("takes each flag's help text and default from its field", () => {
    const help = startCommand().configureHelp({ helpWidth: 10_000 }).helpInformation();
    expect(help).toContain('--rate-limit <n>');
    expect(help).toMatch(/requests a minute per identity \(default 1200\)/);
    expect(help).toMatch(
      /--syslog-idle-timeout <seconds>\s+syslog: a TCP\/TLS connection silent this long is closed/,
    );
    expect(help).toMatch(/\(default 600\)/);
  });

  it('sets the fields the flags name, parsed and checked by the spec', () => {
    const s = specSettings(
      parse([
        '--port',
        '0',
        '--allowed-hosts',
        'dtc.example.com, 10.0.0.5',
        '--tls-key',
        'k.pem',
        '--syslog-tcp',
        '5514',
        '--syslog-trust',
        '10.0.0.5=prod,10.0.1.0/24=lab',
        '--insecure-http',
      ]),
    );
    expect(s.api).toEqual({
      port: 0,
      allowedHosts: ['dtc.example.com', '10.0.0.5'],
      tls: { keyFile: 'k.pem' },
      insecureHttp: true,
    });
    expect(s.syslog).toEqual({
      tcpPort: 5514,
      tls: { keyFile: 'k.pem' },
      instances: { '10.0.0.5': 'prod', '10.0.1.0/24': 'lab' },
    });
  });

  it('refuses a bad value naming the flag and what is wrong', () => {
    expect(() => specSettings(parse(['--port', 'http']))).toThrow(/^--port: must be a number, got "http"/);
    expect(() => specSettings(parse(['--syslog-udp', '70000']))).toThrow(/^--syslog-udp: .*65535/);
    expect(() => specSettings(parse(['--syslog-trust', 'dt-lab=prod']))).toThrow(
      /^--syslog-trust: .*must be a sender address or CIDR/,
    );
    expect(() => specSettings(parse(['--public-url', 'ftp://x']))).toThrow(
      /^--public-url: must be an http\(s\) URL/,
    );
  });
});
