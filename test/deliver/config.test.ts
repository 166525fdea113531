// Sinks and the syslog receiver in the config file and on the command line: defaults, secrets from
// ${ENV}, and messages naming the bad field.
import { describe, expect, it } from 'vitest';
import { defaultSinkName, parseSinkFlag } from '../../src/deliver/registry.ts';
import { publicConfig } from '../../src/deliver/worker.ts';
import { validateConfig } from '../../src/service/config.ts';

describe('sink and syslog config', () => {
  it('applies defaults, resolves ${ENV} in URLs and maps severity labels', () => {
    const c = validateConfig(
      {
        syslog: { tcpPort: 5514, instances: { '10.0.0.5': 'prod' } },
        sinks: [
          {
            name: 'hec',
            format: 'ecs',
            url: 'splunk+https://splunk:8088?token=${HEC}',
            filter: { minSeverity: 'high' },
          },
        ],
      },
      { HEC: 's3cret' },
    );
    expect(c.syslog).toMatchObject({
      host: '127.0.0.1',
      tcpPort: 5514,
      maxConnections: 1000,
      idleTimeoutSeconds: 600,
    });
    expect(c.sinks[0]).toMatchObject({
      url: 'splunk+https://splunk:8088?token=s3cret',
      batchSize: 500,
      filter: { minSeverity: 4 },
      retry: { initialBackoffSeconds: 0.5, maxBackoffSeconds: 30, multiplier: 2 },
    });
    expect(publicConfig(c.sinks[0]).url).not.toContain('s3cret');
  });

  const bad: [string, unknown, RegExp][] = [
    [
      'an unknown sink key',
      { sinks: [{ name: 'a', format: 'ecs', url: 'stdout:', colour: 1 }] },
      /sinks\[0\]: unknown key "colour"/,
    ],
    [
      'an unknown scheme',
      { sinks: [{ name: 'a', format: 'ecs', url: 'kafka://x:9092/t' }] },
      /sinks\[0\]\.url: unknown sink scheme "kafka:\/\/"/,
    ],
    [
      'a bad format',
      { sinks: [{ name: 'a', format: 'xml', url: 'stdout:' }] },
      /sinks\[0\]\.format: must be one of ecs, ocsf, cef, leef, json/,
    ],
    [
      'a bad severity',
      { sinks: [{ name: 'a', format: 'ecs', url: 'stdout:', filter: { minSeverity: 9 } }] },
      /sinks\[0\]\.filter\.minSeverity/,
    ],
    [
      'a duplicate name',
      {
        sinks: [
          { name: 'a', format: 'ecs', url: 'stdout:' },
          { name: 'a', format: 'cef', url: 'stdout:' },
        ],
      },
      /sinks\[1\]\.name: "a" is used twice/,
    ],
    ['TLS without a key', { syslog: { tlsPort: 6514 } }, /syslog\.tls: is required/],
    ['a bad port', { syslog: { tcpPort: 70000 } }, /syslog\.tcpPort/],
  ];
  for (const [what, raw, msg] of bad)
    it(`refuses ${what}`, () => expect(() => validateConfig(raw, {})).toThrow(msg));

  it('parses --sink <format>:<destination> and names sinks stably', () => {
    expect(parseSinkFlag('ecs:file:///var/log/dt.ndjson')).toEqual({
      format: 'ecs',
      url: 'file:///var/log/dt.ndjson',
    });
    expect(parseSinkFlag('ocsf:nats://127.0.0.1:4222/darktrace').format).toBe('ocsf');
    expect(() => parseSinkFlag('file:///x')).toThrow(/expected <format>:<destination>/);
    expect(() => parseSinkFlag('ecs:ftp://x')).toThrow(/unknown sink scheme "ftp:\/\/"/);
    const taken = new Set<string>();
    const a = defaultSinkName('cef', 'syslog+tcp://127.0.0.1:5514', taken);
    taken.add(a);
    expect([a, defaultSinkName('cef', 'syslog+udp://127.0.0.1:514', taken)]).toEqual([
      'cef-syslog',
      'cef-syslog-2',
    ]);
  });
});
