// The instance form: what it sends to add an instance, and that an edit sends only what changed.
import { describe, expect, it } from 'vitest';
import type { Instance } from '../src/api/types.ts';
import { formValues, toInput, toPatch } from '../src/lib/instance-form.ts';

const stored = {
  name: 'lab',
  url: 'https://dt.example.com',
  publicToken: 'pub',
  pollIntervalSeconds: 60,
  lookbackHours: 2,
  minScore: 0.5,
  maxItemsPerPoll: 1000,
  tls: { insecure: false, caFile: '/etc/dt/ca.pem' },
  proxy: 'http://user:****@proxy:3128',
  enabled: true,
  simulated: false,
  status: { name: 'lab', state: 'ok' },
} as unknown as Instance;

describe('the instance form', () => {
  it('starts from the schema defaults and sends a whole instance to add one', () => {
    const v = { ...formValues(), name: ' lab ', url: 'https://x', publicToken: 'p', privateToken: 's' };
    expect(toInput(v)).toEqual({
      name: 'lab',
      url: 'https://x',
      publicToken: 'p',
      privateToken: 's',
      pollIntervalSeconds: 300,
      lookbackHours: 24,
      minScore: 0,
      maxItemsPerPoll: 50_000,
      tls: { insecure: false },
    });
    expect(toInput({ ...v, tlsMode: 'insecure', proxy: 'http://p:3128' })).toMatchObject({
      tls: { insecure: true },
      proxy: 'http://p:3128',
    });
  });

  it('reads an instance back, and an edit sends only what changed', () => {
    const before = formValues(stored);
    expect(before).toMatchObject({ lookbackHours: '2', tlsMode: 'ca', caFile: '/etc/dt/ca.pem' });
    expect(toPatch(before, before)).toEqual({});
    // An empty private token keeps the stored one; a typed one is sent.
    expect(toPatch(before, { ...before, privateToken: 'new' })).toEqual({ privateToken: 'new' });
    expect(toPatch(before, { ...before, pollIntervalSeconds: '120', minScore: '0.50' })).toEqual({
      pollIntervalSeconds: 120,
    });
    expect(toPatch(before, { ...before, tlsMode: 'verify' })).toEqual({ tls: { insecure: false } });
    expect(toPatch(before, { ...before, proxy: '' })).toEqual({ proxy: null });
  });
});
