import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, validateConfig } from '../../src/service/config.ts';

const good = {
  instances: [
    { name: 'prod', url: 'https://dt.example.com', publicToken: '${DT_PUB}', privateToken: '${DT_PRIV}' },
  ],
};
const env = { DT_PUB: 'pub', DT_PRIV: 'priv' };

describe('config', () => {
  it('applies defaults and resolves ${ENV} secrets', () => {
    const c = validateConfig(good, env);
    expect(c.instances[0]).toMatchObject({
      name: 'prod',
      publicToken: 'pub',
      privateToken: 'priv',
      pollIntervalSeconds: 300,
      lookbackHours: 24,
      enabled: true,
      tls: { insecure: false },
    });
    expect(c.api).toEqual({
      host: '127.0.0.1',
      port: 8080,
      insecureHttp: false,
      rateLimitPerMinute: 1200,
      trustProxy: [],
    });
    expect(c.collector.overlapMinutes).toBe(10);
  });

  const bad: [string, unknown, RegExp][] = [
    [
      'an unknown key',
      { instances: [{ ...good.instances[0], pollInterval: 60 }] },
      /instances\[0\]: unknown key "pollInterval"/,
    ],
    ['an unknown top-level key', { ...good, instance: [] }, /unknown key "instance"/],
    [
      'a bad URL',
      { instances: [{ ...good.instances[0], url: 'dt.example.com' }] },
      /instances\[0\]\.url: must be an http\(s\) URL/,
    ],
    [
      'a missing token',
      { instances: [{ name: 'x', url: 'https://a.b', publicToken: 'p' }] },
      /instances\[0\]\.privateToken: is required/,
    ],
    [
      'an empty token',
      { instances: [{ ...good.instances[0], publicToken: '' }] },
      /instances\[0\]\.publicToken: is empty/,
    ],
    [
      'a missing env var',
      { instances: [{ ...good.instances[0], privateToken: '${NOPE}' }] },
      /instances\[0\]\.privateToken: environment variable NOPE is not set/,
    ],
    ['a duplicate name', { instances: [good.instances[0], good.instances[0]] }, /"prod" is used twice/],
    ['a wrong type', { api: { port: 'eighty' } }, /api\.port: /],
    [
      'a syslog hostname as a trusted sender',
      { syslog: { instances: { '10.0.0.5': 'prod', 'dt-lab.corp': 'lab', '10.0.0.0/33': 'x' } } },
      /syslog\.instances\.dt-lab\.corp: must be a sender address or CIDR .*\n {2}- syslog\.instances\.10\.0\.0\.0\/33: must be/,
    ],
    [
      'the old syslog.defaultInstance',
      { syslog: { defaultInstance: 'prod' } },
      /syslog\.defaultInstance: is no longer used: .*syslog:<hostname>/,
    ],
  ];
  it.each(bad)('refuses %s, naming the field', (_, raw, message) => {
    expect(() => validateConfig(raw, env)).toThrow(ConfigError);
    expect(() => validateConfig(raw, env)).toThrow(message);
  });

  it('reports an unset ${ENV} along with every other error in the file', () => {
    const raw = {
      api: { port: 'eighty' },
      instances: [
        { ...good.instances[0], privateToken: '${NOPE}', colour: 'blue' },
        { name: 'lab', url: '${LAB_URL}', publicToken: 'p', privateToken: '${ALSO_UNSET}-${DT_PRIV}' },
      ],
      sinks: [
        { name: 'a', format: 'ecs', url: 'stdout:' },
        { name: 'a', format: 'ecs', url: 'stdout:' },
      ],
    };
    let message = '';
    try {
      validateConfig(raw, env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    const lines = message.split('\n').slice(1);
    expect(lines).toEqual(
      expect.arrayContaining([
        '  - instances[0].privateToken: environment variable NOPE is not set (referenced as ${NOPE})',
        '  - instances[1].url: environment variable LAB_URL is not set (referenced as ${LAB_URL})',
        '  - instances[1].privateToken: environment variable ALSO_UNSET is not set (referenced as ${ALSO_UNSET})',
        '  - instances[0]: unknown key "colour"',
        expect.stringMatching(/^ {2}- api\.port: /),
      ]),
    );
    // The unresolved ${LAB_URL} is not also reported as a bad URL: one line per cause.
    expect(message).not.toMatch(/instances\[1\]\.url: must be/);
    expect(lines).toHaveLength(5);
    // Duplicates are found once the rest is valid, and reported together.
    expect(() =>
      validateConfig({ instances: [good.instances[0], good.instances[0]], sinks: raw.sinks }, env),
    ).toThrow(/instances\[1\]\.name: "prod" is used twice\n {2}- sinks\[1\]\.name: "a" is used twice/);
  });

  it('reads YAML files and names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtc-config-'));
    const file = join(dir, 'dtc.yaml');
    writeFileSync(
      file,
      'instances:\n  - name: lab\n    url: https://lab.example\n    publicToken: a\n    privateToken: ${DT_PRIV}\n',
    );
    expect(loadConfigFile(file, env).instances[0].privateToken).toBe('priv');
    writeFileSync(file, 'instances: [1, 2\n');
    expect(() => loadConfigFile(file, env)).toThrow(/not valid YAML/);
    expect(() => loadConfigFile(join(dir, 'missing.yaml'), env)).toThrow(/cannot read the config file/);
  });
});
