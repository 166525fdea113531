// The simulator verifies requests as an appliance does (API doc §3.3, §4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDtapiDate } from '../../src/darktrace/signing.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { call, PRIV, PUB } from './helpers.ts';

let sim: Simulator;
let base: string;

beforeAll(async () => {
  sim = await startSimulator({
    publicToken: PUB,
    privateToken: PRIV,
    history: { count: 300, days: 2 },
    tokens: [
      {
        publicToken: 'NOACK',
        privateToken: 'NOACK-PRIV',
        denied: ['modelBreaches.acknowledge', '/antigena'],
      },
      { publicToken: 'NOACK403', privateToken: 'NOACK403-PRIV', denied: ['/pcaps'], deniedStatus: 403 },
    ],
  });
  base = sim.url;
});
afterAll(() => sim.close());

const sigError = (seg: string) => JSON.stringify({ [seg]: 'API SIGNATURE ERROR' }, null, 2);
const dateError = (seg: string) => JSON.stringify({ [seg]: 'API DATE ERROR' }, null, 2);

/** Every single-character variant of `s` (each position replaced by a different character). */
function variants(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const r = c === '0' ? '1' : /[0-9]/.test(c) ? '0' : c === 'x' ? 'y' : c === '/' ? '_' : 'x';
    out.push(s.slice(0, i) + r + s.slice(i + 1));
  }
  return out;
}

describe('signature verification', () => {
  it('accepts the inputs of the API doc test vectors when signed right', async () => {
    const pbid = sim.sim.tl.pbidBase + 5;
    const ev = sim.injectAiaEvent({ id: 'bc64f242-ce29-4f35-bc94-230991116564' });
    expect(ev.id).toBe('bc64f242-ce29-4f35-bc94-230991116564');
    const now = new Date();
    const spaced = now.toISOString().slice(0, 19).replace('T', ' ');
    const iso = `${now.toISOString().slice(0, 19)}+00:00`;
    const cases = [
      { url: '/status', date: formatDtapiDate(now) },
      {
        url: `/modelbreaches?starttime=${now.getTime() - 3_600_000}&endtime=${now.getTime()}&includeacknowledged=true`,
        date: spaced,
      },
      {
        url: '/aianalyst/acknowledge',
        method: 'POST' as const,
        body: `uuid=${ev.id}`,
        date: formatDtapiDate(now),
      },
      {
        url: `/modelbreaches/${pbid}/comments`,
        method: 'POST' as const,
        body: '{"message":"Investigating"}',
        contentType: 'application/json',
      },
      {
        url: `/modelbreaches/${pbid}/comments`,
        method: 'POST' as const,
        body: '{"message": "Investigating"}',
        contentType: 'application/json',
      },
      { url: `/aianalyst/incidentevents?uuid=${ev.id}`, date: iso },
    ];
    for (const c of cases) {
      const a = await call(base, c);
      expect(a.status, `${c.url} ${a.text.slice(0, 100)}`).toBe(200);
    }
  });

  it('accepts the API doc test vectors byte for byte (clock set to their date)', async () => {
    const at = Date.UTC(2024, 0, 15, 9, 30, 0);
    const v = await startSimulator({
      publicToken: PUB,
      privateToken: PRIV,
      now: () => at,
      firstPbid: 1,
      history: { count: 200, days: 1 },
    });
    try {
      v.injectAiaEvent({ id: 'bc64f242-ce29-4f35-bc94-230991116564' });
      const cases = [
        { url: '/status', date: '20240115T093000', sig: 'e30a6cb00c603662b99b86227e3af6037e06e57b' },
        {
          url: '/modelbreaches?starttime=1705305600000&endtime=1705309200000&includeacknowledged=true',
          date: '2024-01-15 09:30:00',
          sig: 'a0c2263d3843f7773f5c86d20eda7e293d63d6e4',
        },
        {
          url: '/aianalyst/acknowledge',
          method: 'POST' as const,
          body: 'uuid=bc64f242-ce29-4f35-bc94-230991116564',
          date: '20240115T093000',
          sig: 'f76341282e93b602eeb846366b9c4dc707066dda',
        },
        {
          url: '/modelbreaches/95/comments',
          method: 'POST' as const,
          body: '{"message":"Investigating"}',
          contentType: 'application/json',
          date: '20240115T093000',
          sig: '6acf05b1641bd1a93ee46d9b3678beca0068d993',
        },
        {
          url: '/modelbreaches/95/comments',
          method: 'POST' as const,
          body: '{"message": "Investigating"}',
          contentType: 'application/json',
          date: '20240115T093000',
          sig: '46cbab8e1d77d64df2bb8664ecf5012a795d8fa0',
        },
        {
          url: '/aianalyst/incidentevents?uuid=bc64f242-ce29-4f35-bc94-230991116564',
          date: '2024-01-15T09:30:00+00:00',
          sig: '3171439ad7ebcba7dcfbcd60e62cf73d13026136',
        },
      ];
      for (const c of cases) {
        const a = await call(v.url, c);
        expect(a.status, `${c.url} ${a.text.slice(0, 100)}`).toBe(200);
      }
      const events = (await call(v.url, cases[5])).json();
      expect(events[0].acknowledged).toBe(true);
      const comments: any[] = (
        await call(v.url, { url: '/modelbreaches/95/comments', date: '20240115T093000' })
      ).json();
      expect(comments.filter((c) => c.username === 'api.user' && c.message === 'Investigating')).toHaveLength(
        2,
      );
    } finally {
      await v.close();
    }
  });

  it('accepts the three date formats and rejects a date 31 minutes off', async () => {
    const now = Date.now();
    const d = new Date(now);
    const formats = [
      formatDtapiDate(d),
      d.toISOString().slice(0, 19).replace('T', ' '),
      `${d.toISOString().slice(0, 19)}.123456+00:00`,
      `${d.toISOString().slice(0, 19)}.123456`,
      `${new Date(now + 2 * 3_600_000).toISOString().slice(0, 19)}+02:00`,
      d.toISOString(),
    ];
    for (const date of formats) expect((await call(base, { url: '/status', date })).status, date).toBe(200);
    for (const off of [31, -31]) {
      const a = await call(base, { url: '/tags', date: formatDtapiDate(new Date(now + off * 60_000)) });
      expect(a.status).toBe(400);
      expect(a.text).toBe(dateError('tags'));
      expect(a.text.length).toBe(30);
    }
    const bad = await call(base, { url: '/status', date: 'yesterday' });
    expect(bad.text).toBe(dateError('status'));
  });

  it('rejects every single-character change with the exact 400 body', async () => {
    const date = formatDtapiDate(new Date());
    const url = '/modelbreaches?minscore=0.5&did=12';
    const good = await call(base, { url, date });
    expect(good.status).toBe(200);
    const { signature } = await import('../../src/darktrace/signing.ts');
    const sig = signature({ target: url, publicToken: PUB, privateToken: PRIV, date });
    // Signature.
    for (const s of variants(sig)) {
      const a = await call(base, { url, date, sig: s });
      expect(a.status).toBe(400);
      expect(a.text).toBe(sigError('modelbreaches'));
    }
    // Path and query as sent, signed as the original.
    for (const u of variants(url).filter((v) => v.startsWith('/modelbreaches?') && v !== url)) {
      const a = await call(base, { url: u, date, sig });
      expect([400, 302]).toContain(a.status);
      if (a.status === 400) expect(a.text).toBe(sigError('modelbreaches'));
    }
    // The date header changed after signing (still inside the window).
    const a = await call(base, { url, date: date.slice(0, -1) + (date.endsWith('0') ? '1' : '0'), sig });
    expect(a.text).toBe(sigError('modelbreaches'));
    // The public token changed: unknown token.
    const b = await call(base, { url, date, sig, publicToken: `${PUB.slice(0, -1)}2` });
    expect(b.status).toBe(302);
    // A changed body.
    const pbid = sim.sim.tl.pbidBase + 7;
    const body = '{"message":"hello"}';
    const target = `/modelbreaches/${pbid}/comments?${body}`;
    const bsig = signature({ target, publicToken: PUB, privateToken: PRIV, date });
    for (const v of variants(body)) {
      const r = await call(base, {
        url: `/modelbreaches/${pbid}/comments`,
        method: 'POST',
        body: v,
        contentType: 'application/json',
        date,
        sig: bsig,
      });
      expect(r.status).toBe(400);
      expect(r.text).toBe(sigError('modelbreaches'));
    }
  });

  it('accepts decoded and raw query signatures, and form bodies signed raw or decoded', async () => {
    const url = '/devicesearch?query=hostname%3A%22srv-%2A%22&count=5';
    expect((await call(base, { url })).status).toBe(200);
    expect((await call(base, { url, target: '/devicesearch?query=hostname:"srv-*"&count=5' })).status).toBe(
      200,
    );
    const from = '/modelbreaches?from=2024-01-15+09%3A30%3A00&to=2024-01-15+10%3A30%3A00';
    expect(
      (
        await call(base, {
          url: from,
          target: '/modelbreaches?from=2024-01-15 09:30:00&to=2024-01-15 10:30:00',
        })
      ).status,
    ).toBe(200);
    const pbid = sim.sim.tl.pbidBase + 9;
    const form = 'acknowledge=true&note=a%20b';
    const path = `/modelbreaches/${pbid}/acknowledge`;
    expect((await call(base, { url: path, method: 'POST', body: form })).status).toBe(200);
    expect(
      (
        await call(base, {
          url: path,
          method: 'POST',
          body: form,
          target: `${path}?acknowledge=true&note=a b`,
        })
      ).status,
    ).toBe(200);
    // XS-OLD: the same fields in URL and form body, signed as the query.
    expect(
      (
        await call(base, {
          url: `${path}?acknowledge=true`,
          method: 'POST',
          body: 'acknowledge=true',
          target: `${path}?acknowledge=true`,
        })
      ).status,
    ).toBe(200);
  });

  it('signs JSON POSTs over the body only', async () => {
    const pbid = sim.sim.tl.pbidBase + 11;
    const path = `/modelbreaches/${pbid}/comments`;
    const body = '{"message": "x"}';
    const ok = await call(base, {
      url: `${path}?foo=1`,
      method: 'POST',
      body,
      contentType: 'application/json',
      target: `${path}?${body}`,
    });
    expect(ok.status).toBe(200);
    const withQuery = await call(base, {
      url: `${path}?foo=1`,
      method: 'POST',
      body,
      contentType: 'application/json',
      target: `${path}?foo=1&${body}`,
    });
    expect(withQuery.text).toBe(sigError('modelbreaches'));
    const queryOnly = await call(base, {
      url: `${path}?foo=1`,
      method: 'POST',
      body,
      contentType: 'application/json',
      target: `${path}?foo=1`,
    });
    expect(queryOnly.text).toBe(sigError('modelbreaches'));
  });

  it('Advanced Search in the path: signed as transmitted passes, standard base64 signed raw but sent encoded fails (LAB)', async () => {
    const doc = JSON.stringify({ search: '@type:conn?', fields: [], offset: 0, timeframe: '600', size: 3 });
    const std = Buffer.from(doc).toString('base64');
    expect(std).toMatch(/=/);
    const sent = `/advancedsearch/api/search/${std.replace(/=/g, '%3D')}`;
    const encodedSigned = await call(base, { url: sent, target: sent });
    expect(encodedSigned.status).toBe(200);
    expect(encodedSigned.json().hits.hits).toHaveLength(3);
    const rawSigned = await call(base, { url: sent, target: `/advancedsearch/api/search/${std}` });
    expect([rawSigned.status, rawSigned.text]).toEqual([400, sigError('advancedsearch')]);
    const urlSafe = std.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const analyze = `/advancedsearch/api/analyze/dest_port/terms/${urlSafe}`;
    expect((await call(base, { url: analyze, target: analyze })).status).toBe(200);
    const bad = `/advancedsearch/api/graph/count/60000/not-base64-json`;
    expect((await call(base, { url: bad, target: bad })).json()).toEqual({
      error: 'hash is not a base64-encoded JSON query',
    });
  });

  it('answers 302 redirects for unknown paths, missing credentials and unknown tokens', async () => {
    for (const c of [
      { url: '/nosuchthing' },
      { url: '/status', unsigned: true },
      { url: '/status', publicToken: 'WHO-IS-THIS' },
      { url: '/modelbreaches', method: 'DELETE' as const },
    ]) {
      const a = await call(base, c);
      expect(a.status).toBe(302);
      expect(a.headers.location).toBe('/login');
      expect(a.text).toBe('Found. Redirecting to /login');
    }
  });

  it('answers 302 /403 or 403 for a token without permission', async () => {
    const pbid = sim.sim.tl.pbidBase + 3;
    const t = { publicToken: 'NOACK', privateToken: 'NOACK-PRIV' };
    const denied = await call(base, {
      ...t,
      url: `/modelbreaches/${pbid}/acknowledge`,
      method: 'POST',
      body: 'acknowledge=true',
    });
    expect(denied.status).toBe(302);
    expect(denied.headers.location).toBe('/403');
    expect(denied.text).toBe('Found. Redirecting to /403');
    expect((await call(base, { ...t, url: '/antigena/summary' })).status).toBe(302);
    expect((await call(base, { ...t, url: '/status' })).status).toBe(200);
    const f = await call(base, { publicToken: 'NOACK403', privateToken: 'NOACK403-PRIV', url: '/pcaps' });
    expect(f.status).toBe(403);
    expect(f.json()).toEqual({ error: '403 Forbidden' });
    // A wrong private key for a known token is a signature error.
    const w = await call(base, { publicToken: 'NOACK', privateToken: 'WRONG', url: '/status' });
    expect(w.text).toBe(sigError('status'));
    expect(w.text.length).toBe(37);
  });
});
