// Fidelity: for every endpoint with a captured fixture, the simulator's answer has every key the
// fixture has, with the same JSON type (fixtures: test/fixtures, or $DTC_FIXTURES).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { fixturesDir } from '../helpers/fixtures.ts';
import { call, getJson, PRIV, PUB, postForm, postJson } from './helpers.ts';

const FIXTURES = fixturesDir;
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(path.join(FIXTURES, 'xsoar', name), 'utf8'));

/** The canned API answers in Elastic's mock-server config, by path. */
function elasticCanned(): Record<string, unknown> {
  const text = readFileSync(path.join(FIXTURES, 'elastic', '_dev-deploy-docker-files-config.yml'), 'utf8');
  const out: Record<string, unknown> = {};
  let current = '';
  for (const line of text.split('\n')) {
    const p = /^\s*- path: (\S+)/.exec(line);
    if (p) current = p[1];
    else if (/^\s*\[/.test(line) && current) out[current] = JSON.parse(line.trim());
  }
  return out;
}

/** Keys whose value type legitimately varies (API doc §6.1, §7.1, §19). */
const POLYMORPHIC = new Set([
  // A filter's argument and trigger carry whatever the filter type holds (string or number).
  'arguments.value',
  'trigger.value',
  // Documented drift: number or numeric string; boolean or object; string or format object.
  'groupScore',
  'acknowledged',
  'summary',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Where `actual` lacks a key of `expected` or has another JSON type, a description; else undefined.
 * null in the fixture matches anything; arrays compare the fixture's first element against any of ours.
 */
function mismatch(expected: unknown, actual: unknown, at = '$', key = ''): string | undefined {
  if (expected === null || expected === undefined) return undefined;
  const leaf = at.split('.').slice(-2).join('.');
  if (POLYMORPHIC.has(key) || POLYMORPHIC.has(leaf)) return undefined;
  // A component's logic is a tree: below `logic.data`, `left`/`right` are a filter id or a subtree.
  if (/\.logic\.data\.(left|right)/.test(at)) return undefined;
  if (typeOf(expected) !== typeOf(actual))
    return `${at}: fixture ${typeOf(expected)}, simulator ${typeOf(actual)}`;
  if (Array.isArray(expected)) {
    if (expected.length === 0) return undefined;
    const arr = actual as unknown[];
    if (arr.length === 0) return `${at}: fixture has elements, simulator's array is empty`;
    let first: string | undefined;
    for (const a of arr) {
      const m = mismatch(expected[0], a, `${at}[]`, key);
      if (!m) return undefined;
      first ??= m;
    }
    return first;
  }
  if (typeof expected === 'object') {
    for (const [k, v] of Object.entries(expected as object)) {
      if (!(k in (actual as object))) return `${at}.${k}: missing`;
      const m = mismatch(v, (actual as Record<string, unknown>)[k], `${at}.${k}`, k);
      if (m) return m;
    }
  }
  return undefined;
}

/** Each element of a fixture list must match some element of the simulator's list. */
function expectListShape(name: string, fx: unknown, actual: unknown) {
  const items = Array.isArray(fx) ? fx : [fx];
  expect(Array.isArray(actual), `${name}: simulator answered ${typeOf(actual)}`).toBe(Array.isArray(fx));
  const ours = Array.isArray(actual) ? actual : [actual];
  for (const [i, item] of items.entries()) {
    const seen = new Set<string>();
    const ok = ours.some((a) => {
      const m = mismatch(item, a);
      if (m) seen.add(m);
      return !m;
    });
    expect(ok, `${name}[${i}]: ${[...seen].slice(0, 4).join(' | ')}`).toBe(true);
  }
}

function expectShape(name: string, fx: unknown, actual: unknown) {
  const m = mismatch(fx, actual);
  expect(m, `${name}: ${m}`).toBeUndefined();
}

let sim: Simulator;
let base: string;

beforeAll(async () => {
  sim = await startSimulator({
    publicToken: PUB,
    privateToken: PRIV,
    seed: 7,
    history: { count: 3000, days: 7 },
  });
  base = sim.url;
});
afterAll(() => sim.close());

describe('fidelity against the XSOAR fixtures', () => {
  it('model breach lists (then/now, minimal)', async () => {
    const list = await getJson(base, '/modelbreaches?includeacknowledged=true');
    expectListShape('mocked_get_events', fixture('mocked_get_events.json'), list);
    expectListShape('Darktrace-fetch_breach', fixture('Darktrace-fetch_breach.json'), list);
    const minimal = await getJson(base, '/modelbreaches?minimal=true&deviceattop=true');
    expectListShape('DarktraceMBs-fetch_breach', fixture('DarktraceMBs-fetch_breach.json'), minimal);
  });

  it('one model breach by pbid, both forms', async () => {
    const list: any[] = await getJson(base, '/modelbreaches?includeacknowledged=true');
    for (const name of ['DarktraceMBs-get_breach.json', 'Darktrace-get_breach.json']) {
      const fx = fixture(name) as Record<string, unknown>;
      // Find a breach of the right kind (user-made model) from the list, then read it alone.
      const candidates = list.filter((b) => b.model.then.created.userID !== undefined).slice(0, 5);
      expect(candidates.length, name).toBeGreaterThan(0);
      for (const c of candidates.slice(0, 2)) {
        expectShape(name, fx, await getJson(base, `/modelbreaches/${c.pbid}`));
        expectShape(name, fx, await getJson(base, `/modelbreaches?pbid=${c.pbid}&deviceattop=true`));
      }
    }
  });

  it('acknowledge, comments, comment search', async () => {
    const [b] = await getJson(base, '/modelbreaches?count=1');
    const ack = await postForm(base, `/modelbreaches/${b.pbid}/acknowledge`, 'acknowledge=true');
    expectShape('Darktrace-ack_success', fixture('Darktrace-ack_success.json'), ack.json());
    const posted = await postJson(base, `/modelbreaches/${b.pbid}/comments`, {
      message: 'Test comment post',
    });
    expectListShape('comment_post', fixture('comment_post.json'), posted.json());
    const comments = await getJson(base, `/modelbreaches/${b.pbid}/comments`);
    expectListShape('Darktrace-get_comments', fixture('Darktrace-get_comments.json'), comments);
    expectListShape(
      'DarktraceMBs-get_comments',
      fixture('DarktraceMBs-get_comments.json'),
      await getJson(base, `/mbcomments?pbid=${b.pbid}`),
    );
    expectListShape(
      'DarktraceMBs-get_comments (window)',
      fixture('DarktraceMBs-get_comments.json'),
      await getJson(base, '/mbcomments'),
    );
  });

  it('AI Analyst events, groups, ack and comments', async () => {
    const events: any[] = await getJson(base, '/aianalyst/incidentevents?includeacknowledged=true');
    expectListShape('incident_fetch', fixture('incident_fetch.json'), events);
    expectListShape('ai_analyst_incident', fixture('ai_analyst_incident.json'), events);
    const one = await getJson(base, `/aianalyst/incidentevents?uuid=${events[0].id}`);
    expect(one).toHaveLength(1);
    const groups = await getJson(base, `/aianalyst/groups?uuid=${events[0].id}`);
    expectListShape('group_response', fixture('group_response.json'), groups);
    const ack = await postForm(base, '/aianalyst/acknowledge', `uuid=${events[0].id}`);
    expectShape('ack_response', fixture('ack_response.json'), ack.json());
    const c = await postJson(base, '/aianalyst/incident/comments', {
      incident_id: events[0].id,
      message: 'first comment',
    });
    expectShape('ack_response (comment)', fixture('ack_response.json'), c.json());
    const comments = await getJson(base, `/aianalyst/incident/comments?incident_id=${events[0].id}`);
    expectShape('get_comment_response', fixture('get_comment_response.json'), comments);
  });

  it('models and components', async () => {
    const models: any[] = await getJson(base, '/models');
    const ransom = models.find((m) => m.logic.type === 'weightedComponentList');
    expectShape('model', fixture('model.json'), await getJson(base, `/models?uuid=${ransom.uuid}`));
    const comp = ransom.logic.data[0].cid;
    expectShape(
      'Darktrace-formatted_component',
      fixture('Darktrace-formatted_component.json'),
      await getJson(base, `/components/${comp}`),
    );
  });

  it('details for a breach and for a device', async () => {
    const [b] = await getJson(base, '/modelbreaches?count=1&includeacknowledged=true');
    expectListShape(
      'DarktraceMBs-breach_details',
      fixture('DarktraceMBs-breach_details.json'),
      await getJson(base, `/details?pbid=${b.pbid}`),
    );
    const devices: any[] = await getJson(base, '/devices');
    const d = devices.find((x) => x.hostname && x.macaddress && x.devicelabel !== undefined);
    expectListShape(
      'Darktrace-entity_details',
      fixture('Darktrace-entity_details.json'),
      await getJson(base, `/details?did=${d.did}&count=200`),
    );
  });

  it('devices: search, info, similar, endpoint details', async () => {
    const search = await getJson(base, '/devicesearch?query=type:"server"&count=50');
    expectShape('Darktrace-id_info', fixture('Darktrace-id_info.json'), search);
    expectShape('DarktraceAdmin-id_info', fixture('DarktraceAdmin-id_info.json'), search);
    const did = search.devices.find((d: any) => d.tags.length > 0)?.did ?? search.devices[0].did;
    expectShape(
      'DarktraceAdmin-conn_info',
      fixture('DarktraceAdmin-conn_info.json'),
      await getJson(base, `/deviceinfo?did=${did}`),
    );
    expectListShape(
      'Darktrace-similar_devices',
      fixture('Darktrace-similar_devices.json'),
      await getJson(base, `/similardevices?did=${did}&count=3`),
    );
    expectShape(
      'Darktrace-endpoint_details',
      fixture('Darktrace-endpoint_details.json'),
      await getJson(base, '/endpointdetails?hostname=test.com'),
    );
  });

  it('tags on devices', async () => {
    const search = await getJson(base, '/devicesearch?query=type:"desktop"&count=1');
    const did = search.devices[0].did;
    const post = await postForm(base, '/tags/entities', `did=${did}&tag=Admin`);
    expectShape('device_tag_post', fixture('device_tag_post.json'), post.json());
    expectListShape(
      'device_tags',
      fixture('device_tags.json'),
      await getJson(base, `/tags/entities?did=${did}`),
    );
    expectShape(
      'tagged_devices',
      fixture('tagged_devices.json'),
      await getJson(base, '/tags/entities?tag=Admin&fulldevicedetails=true'),
    );
  });

  it('Advanced Search analysis (both hash forms) and the watched list', async () => {
    const doc = { search: '@type:conn', fields: [], offset: 0, timeframe: '900', size: 50 };
    const std = Buffer.from(JSON.stringify(doc)).toString('base64');
    const url = std.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    for (const hash of [url, encodeURIComponent(std)]) {
      expectShape(
        'advanced_search_analysis',
        fixture('advanced_search_analysis.json'),
        await getJson(base, `/advancedsearch/api/analyze/dest_port/terms/${hash}`),
      );
    }
    const posted = await postJson(base, '/intelfeed', {
      addlist: 'bad.example,198.51.100.1',
      description: 'x',
    });
    expect(posted.status).toBe(200);
    expectShape('watched_list_post', fixture('watched_list_post.json'), posted.json());
  });

  it('Darktrace /EMAIL on both base paths: search, one message, hold, release, tags', async () => {
    for (const prefix of ['/agemail/api/v1.0', '/agemail/api/ep/api/v1.0']) {
      const now = Math.floor(Date.now() / 1000);
      const found = await postJson(base, `${prefix}/emails/search`, {
        page: 0,
        itemsPerPage: 50,
        timeFrom: now - 86_400,
        timeTo: now,
        query: {
          criteriaList: [{ apiFilter: 'Email.Antigena Email Anomaly', value: '0', operator: '>' }],
          mode: 'and',
        },
      });
      expect(found.status).toBe(200);
      const list: any[] = found.json();
      expectListShape('fetch_incidents', fixture('fetch_incidents.json'), list);
      // A message Darktrace acted on, as the fixtures' are.
      const acted = list.find((e) => e.rcpts[0].rcpt_actions_taken.length > 0);
      const one = await getJson(base, `${prefix}/emails/${acted.uuid}?dtime=${acted.dtime_unix}`);
      expectShape('get_email', fixture('get_email.json'), one);
      expectShape('incident_01', fixture('incident_01.json'), one);
      expectShape('incident_02', fixture('incident_02.json'), one);
      const target = list.find((e) => e.rcpts.every((r: any) => r.rcpt_status === 'delivered'));
      const rcpt = [target.rcpts[0].rcpt_to];
      const hold = await postJson(base, `${prefix}/emails/${target.uuid}/action`, {
        action: 'hold',
        recipients: rcpt,
      });
      expectShape('hold_email', fixture('hold_email.json'), hold.json());
      const again = await postJson(base, `${prefix}/emails/${target.uuid}/action`, {
        action: 'hold',
        recipients: rcpt,
      });
      expect(again.status).toBe(409);
      expect(again.json()).toEqual({ error: 'Failed to hold email - Previously Held or Released' });
      const release = await postJson(base, `${prefix}/emails/${target.uuid}/action`, {
        action: 'release',
        recipients: rcpt,
      });
      expectShape('release_email', fixture('release_email.json'), release.json());
      expectListShape('get_tags', fixture('get_tags.json'), await getJson(base, `${prefix}/resources/tags`));
      const missing = await call(base, { url: `${prefix}/emails/00000000-0000-0000-0000-000000000000.1` });
      expect([missing.status, missing.json()]).toEqual([404, { error: 'Email not found' }]);
      // Error keys follow the first path segment, as every other route's (§4).
      const badSig = await call(base, { url: `${prefix}/resources/tags`, privateToken: 'wrong' });
      expect([badSig.status, badSig.text]).toEqual([400, '{\n  "agemail": "API SIGNATURE ERROR"\n}']);
    }
  });

  it('the canned poll answers in the Elastic fixtures', async () => {
    const canned = elasticCanned();
    expect(Object.keys(canned).sort()).toEqual(['/aianalyst/incidentevents', '/modelbreaches']);
    const breaches = await getJson(
      base,
      '/modelbreaches?historicmodelonly=true&includebreachurl=true&includeacknowledged=true&expandenums=true',
    );
    expectListShape('elastic /modelbreaches', canned['/modelbreaches'], breaches);
    const events = await getJson(
      base,
      '/aianalyst/incidentevents?includeacknowledged=true&includeincidenteventurl=true',
    );
    expectListShape('elastic /aianalyst/incidentevents', canned['/aianalyst/incidentevents'], events);
    const lines = readFileSync(
      path.join(FIXTURES, 'elastic', 'ai_analyst_alert-test-ai-analyst-alert.log'),
      'utf8',
    )
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
    expectListShape('elastic AI Analyst alerts', lines, events);
  });

  it('the shape check itself catches a missing key and a changed type', () => {
    expect(mismatch({ a: 1, b: { c: 'x' } }, { a: 1, b: { c: 'y' } })).toBeUndefined();
    expect(mismatch({ a: 1 }, { b: 1 })).toMatch(/missing/);
    expect(mismatch({ a: [{ n: 1 }] }, { a: [{ n: '1' }] })).toMatch(/fixture number/);
    expect(mismatch({ a: null }, { a: 'anything' })).toBeUndefined();
    expect(mismatch({ groupScore: 1 }, { groupScore: '1.5' })).toBeUndefined();
    expect(call).toBeDefined();
  });
});
