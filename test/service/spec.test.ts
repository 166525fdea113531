// The config composed from the components' specs, and redaction derived from the fields they mark secret.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { instanceSpec } from '../../src/collect/instance.ts';
import { parseSink, SINKS } from '../../src/deliver/registry.ts';
import { publicConfig } from '../../src/deliver/worker.ts';
import { SECRET_KEYS, validateConfig } from '../../src/service/config.ts';
import { createLogger } from '../../src/service/logger.ts';
import { optionRows, secretKeys } from '../../src/util/spec.ts';

const hec = (options: Record<string, unknown>, url = 'splunk+https://splunk:8088') => ({
  sinks: [{ name: 'hec', format: 'ecs', url, options }],
});

describe('the config composed from the specs', () => {
  it("reports an unknown key and a wrong type in a sink's options with their path", () => {
    expect(() => validateConfig(hec({ token: 't0k3n', acks: true }), {})).toThrow(
      /sinks\[0\]\.options\.acks: unknown option \(splunk takes token, index/,
    );
    expect(() => validateConfig(hec({ token: 't0k3n', ackTimeout: 'soon' }), {})).toThrow(
      /sinks\[0\]\.options\.ackTimeout: must be a number of seconds above 0/,
    );
    // The same spec checks the URL's query, and says which parameter.
    expect(() => validateConfig(hec({}, 'splunk+https://splunk:8088?token=t0k3n&ack=maybe'), {})).toThrow(
      /sinks\[0\]\.url: \?ack= must be true or false, got "maybe"/,
    );
    expect(() => validateConfig(hec({}, 'elasticsearch://es:9200/dt?colour=red'), {})).toThrow(
      /sinks\[0\]\.url: \?colour= unknown option \(elasticsearch takes op, apiKey, ca, insecure\)/,
    );
    expect(() => validateConfig(hec({}), {})).toThrow(/sinks\[0\]\.url: \?token= is required: the HEC token/);
  });

  it("takes a sink's options from the file, with defaults from its spec", () => {
    const c = validateConfig(hec({ token: '${HEC}', ack: true }), { HEC: 't0k3n-from-env' });
    const p = parseSink(c.sinks[0].url, c.sinks[0].options);
    if (Array.isArray(p)) throw new Error(p[0].message);
    expect(p.options).toMatchObject({ token: 't0k3n-from-env', ack: true, ackTimeout: 120, source: 'dtc' });
  });

  it('keeps a webhook destination its own query parameters', () => {
    const p = parseSink('https://siem.example/hook?code=abc&insecure=true');
    if (Array.isArray(p)) throw new Error(p[0].message);
    expect(p.url.href).toBe('https://siem.example/hook?code=abc');
    expect(p.options).toMatchObject({ insecure: true });
  });

  it('declares every option of every sink with a description', () => {
    for (const m of SINKS)
      for (const row of optionRows(m.options)) expect(row.description, `${m.type}.${row.name}`).toBeTruthy();
  });
});

describe('redaction derived from the fields marked secret', () => {
  it('collects the secret fields of every spec', () => {
    expect(secretKeys(instanceSpec)).toEqual(['privateToken']);
    expect([...SECRET_KEYS].sort()).toEqual(['apiKey', 'clientSecret', 'password', 'privateToken', 'token']);
  });

  it('never shows a secret option, in the URL or in options', () => {
    for (const [url, options] of [
      ['splunk+https://splunk:8088?token=s3cret-hec&index=main', undefined],
      ['splunk+https://splunk:8088', { token: 's3cret-hec', index: 'main' }],
      ['elasticsearch://es:9200/dt?apiKey=s3cret-hec', undefined],
      ['nats://user:s3cret-hec@nats:4222/dt', undefined],
      ['https://siem.example/hook?sig=s3cret-hec', undefined],
    ] as const) {
      const shown = JSON.stringify(publicConfig({ name: 'x', format: 'ecs', url, options }));
      expect(shown).not.toContain('s3cret-hec');
      expect(shown).toContain('redacted');
    }
    // What is not secret stays readable.
    expect(publicConfig({ name: 'x', format: 'ecs', url: 'splunk://h:8088?token=abcd&index=main' }).url).toBe(
      'splunk://h:8088?token=redacted&index=main',
    );
  });

  it('keeps secret fields out of the logs', async () => {
    let out = '';
    const destination = new Writable({
      write(chunk, _enc, done) {
        out += chunk;
        done();
      },
    });
    const log = createLogger({ pretty: false, destination });
    log.info('instance added', {
      privateToken: 'pt-s3cret',
      sink: { apiKey: 'ak-s3cret' },
      clientSecret: 'cs-s3cret',
    });
    await new Promise((r) => setImmediate(r));
    expect(out).toContain('instance added');
    for (const s of ['pt-s3cret', 'ak-s3cret', 'cs-s3cret']) expect(out).not.toContain(s);
  });
});
