// RESPOND actions and /EMAIL alerts as families, the misreadings of issue 16, and a round trip of
// every family through each renderer into an independent reader (ECS and OCSF schema checks, the spec
// CEF parser, a spec LEEF reader, nsyslog-parser).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Detection,
  FORMATS,
  NormalizeError,
  normalize,
  parseCef,
  render,
  toEcs,
  toOcsf,
} from '../../src/normalize/index.ts';
import { SEVERITY_TO_10 } from '../../src/normalize/severity.ts';
import { elasticLine, elasticLines, fixturesDir, XSOAR_RECORD_FILES, xsoarRecords } from './helpers.ts';
import { checkEcs, checkOcsf, readLeef } from './schema.ts';

const nsyslog = createRequire(import.meta.url)('nsyslog-parser') as (s: string) => any;

const constructed = (f: string) => readFileSync(path.join(fixturesDir, 'constructed', f), 'utf8');
const lines = (f: string) =>
  constructed(f)
    .split('\n')
    .filter((l) => l.trim());
/** The RESPOND lines were received on 1 April 2024, 14:45 UTC (their BSD headers carry no year). */
const RECEIVED = Date.UTC(2024, 3, 1, 14, 45, 0);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function respondLines(): Detection[] {
  return lines('respond-syslog.log').map((l) => normalize(l, { receivedAt: RECEIVED }));
}
function antigena(): Detection[] {
  return (JSON.parse(constructed('antigena-actions.json')) as object[]).map((r) =>
    normalize(r, { instance: 'prod', source: 'api' }),
  );
}
function emails(): Detection[] {
  const out = ['get_email.json', 'incident_01.json', 'incident_02.json', 'fetch_incidents.json'].flatMap(
    (f) => xsoarRecords(f).map((r) => normalize(r as object, { instance: 'prod', source: 'api' })),
  );
  out.push(
    ...lines('email-alert.log').map((l) => normalize(l, { receivedAt: Date.UTC(2024, 3, 10, 13, 5) })),
  );
  return out;
}

describe('RESPOND actions (respond_action)', () => {
  it('a syslog state change is a RESPOND action, not "Model breach 0"', () => {
    const [create, confirm, extend, clear, manual] = respondLines();
    for (const d of [create, confirm, extend, clear, manual]) expect(d.key.family).toBe('respond_action');
    expect(create.key).toEqual({
      instance: 'dt-master.corp.example.com',
      family: 'respond_action',
      id: '4213',
    });
    expect(create.title).toBe('RESPOND Quarantine device: created');
    expect(create.respond).toMatchObject({
      codeId: 4213,
      action: 'quarantine',
      label: 'Quarantine device',
      state: 'created',
      actionFamily: 'NETWORK',
      active: false,
      start: Date.UTC(2024, 3, 1, 14, 30, 23),
      expires: Date.UTC(2024, 3, 1, 15, 30, 23),
    });
    expect(create.related.breaches).toEqual([
      { pbid: 98765, modelName: 'Anomalous Connection::Data Sent to Rare Domain', threatScore: 82 },
    ]);
    expect(create.devices[0]).toMatchObject({
      id: 512,
      ips: ['10.12.14.77'],
      hostname: 'ws-jdoe.corp.example.com',
    });
    expect(create.devices[0].mac).toBeUndefined(); // "NO MAC ADDRESS IN DARKTRACE"
    expect(create.severityLabel).toBe('High'); // breach score 0.82
    expect(confirm.respond).toMatchObject({ state: 'confirmed', user: 'alice.admin', active: true });
    expect(confirm.devices[0].mac).toBe('6c:4b:90:12:ab:cd');
    expect(iso(confirm.time)).toBe('2024-04-01T14:41:07.250Z'); // RFC 5424 header time
    expect(extend.respond).toMatchObject({ state: 'extended', user: 'bob.soc', expires: 1711992000000 });
    expect(iso(extend.time)).toBe('2024-04-01T15:20:00.000Z'); // BSD header, year from the receive time
    expect(clear.respond).toMatchObject({
      state: 'cleared',
      user: 'alice.admin',
      reason: 'INC-2231 host reimaged',
    });
    expect(clear.severityLabel).toBe('Informational');
    expect(manual.respond).toMatchObject({
      codeId: 4219,
      action: 'connection',
      state: 'created',
      user: 'carol.ir',
    });
    expect(manual.related.breaches).toEqual([]); // pbid 0: manual, no breach
    expect(manual.analytic).toBeUndefined(); // model "" names no model
    expect(manual.severityLabel).toBe('Low');
  });

  it('each state change of one action is a new version of the same key', () => {
    const ds = respondLines().slice(0, 4);
    expect(new Set(ds.map((d) => d.uid)).size).toBe(1);
    expect(new Set(ds.map((d) => d.hash)).size).toBe(4);
    // The same line read twice is the same version.
    expect(respondLines()[2].hash).toBe(ds[2].hash);
  });

  it('GET /antigena objects: pending, extended, cleared', () => {
    const [pending, extended, cleared] = antigena();
    expect(pending.respond).toMatchObject({
      codeId: 4301,
      action: 'quarantine',
      state: 'created',
      active: false,
    });
    expect(pending.related.breaches[0]).toMatchObject({ pbid: 99120, threatScore: 91 });
    expect(pending.analytic).toMatchObject({
      uid: '80b2fd0e-55f4-4b2f-9a1e-0c1d7f4a7b11',
      name: 'Compromise::Ransomware::Suspicious SMB Activity',
    });
    expect(pending.severityLabel).toBe('High'); // score 0.91
    expect(extended.respond).toMatchObject({
      state: 'extended',
      user: 'dave.soc',
      reason: 'still beaconing',
      detail: '10.12.3.9 -> 203.0.113.50 port 443',
      expires: 1712143200000,
    });
    expect(iso(extended.time)).toBe(iso(1712136000000));
    expect(cleared.respond).toMatchObject({ codeId: 48, state: 'cleared', user: 'erin.lead', manual: true });
    expect(cleared.respond?.reason).toBe('false positive');
    // The same action seen again after a change is a new version.
    const raw = (JSON.parse(constructed('antigena-actions.json')) as any[])[0];
    const activated = normalize({ ...raw, active: true, updated: '1712131300000' }, { instance: 'prod' });
    expect(activated.key).toEqual(pending.key);
    expect(activated.respond?.state).toBe('activated');
    expect(activated.hash).not.toBe(pending.hash);
    const expired = normalize({ ...raw, active: true, updated: '1712134800000' }, { instance: 'prod' });
    expect(expired.respond?.state).toBe('expired');
    // baseUrl links an action to the breach that triggered it.
    expect(normalize(raw, { baseUrl: 'https://dt.example.com' }).url).toBe(
      'https://dt.example.com/#modelbreach/99120',
    );
  });

  it('ECS: event.action is the state change, the approver is the user', () => {
    const [, confirm, , clear] = respondLines();
    const e = toEcs(confirm);
    expect(e.event).toMatchObject({
      kind: 'event',
      action: 'confirmed',
      category: ['network'],
      type: ['start', 'denied'],
      id: '4213',
      dataset: 'darktrace.respond_action',
      start: '2024-04-01T14:30:23.000Z',
      end: '2024-04-01T15:30:23.000Z',
    });
    expect(e.user).toEqual({ name: 'alice.admin' });
    expect(e.source.user).toEqual({ name: 'alice.admin' });
    expect(e.related.user).toEqual(['alice.admin']);
    expect(e.host).toMatchObject({ id: '512', mac: ['6C-4B-90-12-AB-CD'], ip: ['10.12.14.77'] });
    expect(e.rule.name).toBe('Anomalous Connection::Data Sent to Rare Domain');
    expect(e.darktrace.respond_action).toMatchObject({
      code_id: 4213,
      state: 'confirmed',
      change: 'CONFIRM',
    });
    expect(e.darktrace.related.breaches[0].pbid).toBe(98765);
    expect(toEcs(clear).event).toMatchObject({ action: 'cleared', type: ['end'] });
  });

  it('OCSF: Remediation Activity, Isolate while in force and Restore when cleared', () => {
    const [create, confirm, , clear] = respondLines();
    expect(toOcsf(confirm)).toMatchObject({
      class_uid: 7001,
      category_uid: 7,
      activity_id: 1,
      activity_name: 'Isolate',
      type_uid: 700101,
      status_id: 1,
      command_uid: '4213',
      actor: { user: { name: 'alice.admin' } },
      device: {
        uid: '512',
        ip: '10.12.14.77',
        hostname: 'ws-jdoe.corp.example.com',
        mac: '6c:4b:90:12:ab:cd',
      },
      start_time: Date.UTC(2024, 3, 1, 14, 30, 23),
      metadata: { correlation_uid: '98765', event_code: 'quarantine', version: '1.3.0' },
    });
    expect(toOcsf(create)).toMatchObject({ activity_id: 1, status_id: 99, status: 'Pending confirmation' });
    expect(toOcsf(clear)).toMatchObject({ activity_id: 3, activity_name: 'Restore', type_uid: 700103 });
  });

  it('CEF and LEEF carry the action, state, approver, expiry and breach', () => {
    const [, , extend] = respondLines();
    const c = parseCef(render(extend, 'cef'));
    expect(c.signatureId).toBe('respond:quarantine');
    expect(c.name).toBe('RESPOND Quarantine device: extended');
    expect(c.ext).toMatchObject({
      act: 'extended',
      suser: 'bob.soc',
      deviceFacility: 'respond_action',
      externalId: '4213',
      end: '1711992000000',
      flexNumber1: '98765',
      flexNumber1Label: 'pbid',
      src: '10.12.14.77',
    });
    const l = readLeef(render(extend, 'leef')).attrs;
    expect(l).toMatchObject({
      respondAction: 'quarantine',
      respondState: 'extended',
      usrName: 'bob.soc',
      expires: '2024-04-01T17:20:00.000Z',
      pbid: '98765',
      family: 'respond_action',
    });
  });
});

describe('/EMAIL alerts (email_alert)', () => {
  it('the REST e-mail object', () => {
    const d = normalize(xsoarRecords('get_email.json')[0] as object, { instance: 'prod' });
    expect(d.key).toEqual({
      instance: 'prod',
      family: 'email_alert',
      id: 'BA13B274-03F3-46D6-8698-244DFF1037A0.1',
    });
    expect(iso(d.time)).toBe('2025-04-10T13:02:48.021Z');
    expect(d.severityLabel).toBe('High'); // model_score 100
    expect(d.email).toMatchObject({
      direction: 'inbound',
      from: 'gov.uk.email@notifications.service.gov.uk',
      fromName: 'gov.uk email',
      to: ['leeroy.jenkins@example.com'],
      linkCount: 6,
      attachmentCount: 0,
      actions: ['Hold message'],
    });
    expect(d.email?.subject).toMatch(/^Update from GOV.UK for: UK sanctions Georgian officials/);
    expect(d.email?.recipients[0]).toMatchObject({ address: 'leeroy.jenkins@example.com', status: 'held' });
    expect(d.email?.tags).toContain('Credential Harvesting');
    expect(d.state.status).toBe('held');
    // A release is a new version of the same message.
    const raw = xsoarRecords('get_email.json')[0] as any;
    const released = normalize(
      {
        ...raw,
        rcpts: [{ ...raw.rcpts[0], rcpt_status: 'released', rcpt_actions_taken: ['Release message'] }],
      },
      { instance: 'prod' },
    );
    expect(released.key).toEqual(d.key);
    expect(released.hash).not.toBe(d.hash);
    expect(released.state.status).toBe('released');
  });

  it('the pushed alert: attachments, links, message id', () => {
    const [d] = lines('email-alert.log').map((l) => normalize(l));
    expect(d.key.family).toBe('email_alert');
    expect(d.key.id).toBe('5C0FFEE0-1D2A-4B7E-9C3D-77AA12BB34CC.1');
    expect(iso(d.time)).toBe('2024-04-10T13:02:48.021Z');
    expect(d.email).toMatchObject({
      messageId: '20240410130248.4f2a@examp1e-helpdesk.com',
      from: 'it-support@examp1e-helpdesk.com',
      fromName: 'IT Service Desk',
      to: ['leeroy.jenkins@example.com', 'payroll@example.com'],
      linkHosts: ['login.examp1e-helpdesk.com'],
      attachments: [
        {
          sha1: '3b4c2f1a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a',
          sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
        },
      ],
    });
    expect(d.severityLabel).toBe('High');
    const e = toEcs(d);
    expect(e.event).toMatchObject({ kind: 'alert', category: ['email', 'threat'], action: 'Hold message' });
    expect(e.email).toMatchObject({
      direction: 'inbound',
      from: { address: ['it-support@examp1e-helpdesk.com'] },
      to: { address: ['leeroy.jenkins@example.com', 'payroll@example.com'] },
      subject: 'Action required: mailbox quota exceeded',
      message_id: '20240410130248.4f2a@examp1e-helpdesk.com',
      attachments: [
        { file: { hash: { sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' } } },
      ],
    });
    expect(e.related.hosts).toEqual(['login.examp1e-helpdesk.com']);
    expect(e.related.user).toContain('payroll@example.com');
    expect(e.related.hash).toHaveLength(2);
    const o = toOcsf(d);
    expect(o).toMatchObject({
      class_uid: 4009,
      category_uid: 4,
      activity_id: 3,
      type_uid: 400903,
      direction_id: 1,
      email: {
        uid: '5C0FFEE0-1D2A-4B7E-9C3D-77AA12BB34CC.1',
        message_uid: '20240410130248.4f2a@examp1e-helpdesk.com',
        from: 'it-support@examp1e-helpdesk.com',
        to: ['leeroy.jenkins@example.com', 'payroll@example.com'],
      },
    });
    expect(o.observables).toContainEqual({
      name: 'hostname',
      type_id: 1,
      type: 'Hostname',
      value: 'login.examp1e-helpdesk.com',
    });
    const c = parseCef(render(d, 'cef'));
    expect(c.name).toBe('Action required: mailbox quota exceeded');
    expect(c.ext).toMatchObject({
      suser: 'it-support@examp1e-helpdesk.com',
      duser: 'leeroy.jenkins@example.com,payroll@example.com',
      deviceDirection: '0',
      act: 'Hold message',
      fileHash: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    });
    expect(readLeef(render(d, 'leef')).attrs).toMatchObject({
      sender: 'it-support@examp1e-helpdesk.com',
      subject: 'Action required: mailbox quota exceeded',
      messageId: '20240410130248.4f2a@examp1e-helpdesk.com',
      linkHosts: 'login.examp1e-helpdesk.com',
      emailActions: 'Hold message',
    });
  });
});

describe('misreadings (issue 16)', () => {
  const audit =
    '{"username":"jsmith","method":"POST","endpoint":"/login","ip":"10.72.62.2","status":302,"description":"Failed login"}';

  it('a space after the PRI keeps the BSD header (SC4S, relays)', () => {
    const d = normalize(`<165> Apr 01 14:30:23 darktraceserver1.mydomain.com darktrace_audit ${audit}`, {
      receivedAt: Date.UTC(2024, 3, 1, 15),
    });
    expect(d.origin.syslog).toMatchObject({
      rfc: 3164,
      priority: 165,
      hostname: 'darktraceserver1.mydomain.com',
      appname: 'darktrace_audit',
      timestamp: 'Apr 01 14:30:23',
    });
    expect(d.key.instance).toBe('darktraceserver1.mydomain.com');
  });

  it('a BSD timestamp gets the receive year, or the year before, and is the event time', () => {
    const line = `Dec 31 23:59:58 dt.example darktrace_audit ${audit}`;
    const jan = normalize(line, { receivedAt: Date.UTC(2025, 0, 1, 0, 0, 5) });
    expect(iso(jan.time)).toBe('2024-12-31T23:59:58.000Z');
    const dec = normalize(line, { receivedAt: Date.UTC(2024, 11, 31, 23, 59, 59) });
    expect(iso(dec.time)).toBe('2024-12-31T23:59:58.000Z');
    const apr = normalize(`<14>Apr  1 09:00:00 dt.example darktrace_audit ${audit}`, {
      receivedAt: Date.UTC(2024, 5, 1),
    });
    expect(iso(apr.time)).toBe('2024-04-01T09:00:00.000Z');
    expect(toEcs(apr)['@timestamp']).toBe('2024-04-01T09:00:00.000Z');
    expect(toOcsf(apr).time).toBe(Date.UTC(2024, 3, 1, 9));
    expect(readLeef(render(apr, 'leef')).attrs.devTime).toBe('2024-04-01T09:00:00.000Z');
    // A record's own time wins over the header's.
    const mb = normalize(
      `<165> Aug  5 03:34:46 dt.example darktrace ${elasticLine('model_breach_alert-test-model-breach-alert.log', 1)}`,
    );
    expect(mb.time).toBe(JSON.parse(elasticLine('model_breach_alert-test-model-breach-alert.log', 1)).time);
  });

  it('triggered-filter names match whatever their case and spacing', () => {
    const rec = JSON.parse(elasticLine('model_breach_alert-test-model-breach-alert.log', 1));
    const display = (filterType: string, value: string) => ({
      comparatorType: 'display',
      filterType,
      trigger: { value },
    });
    rec.triggeredComponents = [
      {
        time: 1657544648000,
        triggeredFilters: [
          display('DestinationIP', '203.0.113.7'),
          display('Connectionhostname', 'rare.example.net'),
          display('DNS host lookup', 'c2.example.org'),
          display('asn', 'AS64500 EXAMPLE-NET'),
          display('Destination port', '8443'),
        ],
      },
    ];
    const d = normalize(rec);
    expect(d.observables.destinationIps).toEqual(['203.0.113.7']);
    expect(d.observables.destinationHosts).toEqual(['rare.example.net', 'c2.example.org']);
    expect(d.observables.asns).toEqual([{ number: 64500, name: 'EXAMPLE-NET' }]);
    expect(toEcs(d).destination).toMatchObject({ ip: '203.0.113.7', port: 8443, as: { number: 64500 } });
  });

  it('a SaaS account: the service in service.name, the address in user.email and user.name', () => {
    const rec = JSON.parse(elasticLine('model_breach_alert-test-model-breach-alert.log', 1));
    rec.device = {
      did: 900,
      sid: -9,
      hostname: 'SaaS::Zoom: john.doe@example.com',
      macaddress: 'NO MAC ADDRESS IN DARKTRACE',
    };
    const e = toEcs(normalize(rec));
    expect(e.service).toEqual({ name: 'Zoom' });
    expect(e.user).toEqual({ name: 'john.doe@example.com', email: 'john.doe@example.com' });
    expect(e.host.mac).toBeUndefined();
    expect(e.host.hostname).toBeUndefined();
  });

  it('host.mac takes valid MAC addresses only, in ECS form', () => {
    const rec = JSON.parse(elasticLine('model_breach_alert-test-model-breach-alert.log', 1));
    rec.device = { did: 12, ip: '10.0.0.12', hostname: 'ws-12', macaddress: 'NO MAC ADDRESS IN DARKTRACE' };
    expect(toEcs(normalize(rec)).host.mac).toBeUndefined();
    expect(parseCef(render(normalize(rec), 'cef')).ext.smac).toBeUndefined();
    rec.device.macaddress = '00:0C:29:AB:CD:EF';
    expect(toEcs(normalize(rec)).host.mac).toEqual(['00-0C-29-AB-CD-EF']);
    rec.device.macaddress = '000c.29ab.cdef';
    expect(toEcs(normalize(rec)).host.mac).toEqual(['00-0C-29-AB-CD-EF']);
  });

  it('related.user has the model editor, never the placeholder "Nobody"', () => {
    const rec = JSON.parse(elasticLine('model_breach_alert-test-model-breach-alert.log', 1));
    rec.model.edited = { by: 'sam.tuner', userID: 12 };
    expect(toEcs(normalize(rec)).related.user).toContain('sam.tuner');
    rec.model.edited = { by: 'Nobody' };
    const d = normalize(rec);
    expect(d.analytic?.editedBy).toBeUndefined();
    expect(toEcs(d).related?.user ?? []).not.toContain('Nobody');
  });

  it('a rejected record says what was expected', () => {
    const reject = (v: unknown) => {
      try {
        normalize(v as object);
      } catch (e) {
        expect(e).toBeInstanceOf(NormalizeError);
        return (e as NormalizeError).message;
      }
      throw new Error('accepted');
    };
    expect(reject([[1, 2]])).toBe(
      'expected a JSON object (one Darktrace record) in the one-element array, got an array of 2',
    );
    expect(reject(['x'])).toBe(
      'expected a JSON object (one Darktrace record) in the one-element array, got a string',
    );
    expect(normalize.bind(null, '[[1]]')).toThrow('in the one-element array, got an array of 1');
    expect(reject(null)).toBe('expected a JSON object (one Darktrace record), got null');
    expect(reject({ pbid: 7, model: 'Some::Model' })).toMatch(
      /^not a model breach \(pbid and a model that is not a string\)/,
    );
  });
});

/** Every detection of every family we have a record for. */
function everyFamily(): Detection[] {
  const out = elasticLines().map((l) => normalize(l.text));
  for (const f of XSOAR_RECORD_FILES) for (const r of xsoarRecords(f)) out.push(normalize(r as object));
  out.push(
    normalize(
      `Apr 01 14:30:23 dt.example darktrace_audit {"username":"jsmith","method":"POST","endpoint":"/login","ip":"10.72.62.2","status":302,"description":"Failed login"}`,
    ),
  );
  out.push(...respondLines(), ...antigena(), ...emails());
  return out;
}

describe('round trip: every family, every renderer, an independent reader', () => {
  const all = everyFamily();
  it('covers all six families', () => {
    expect(new Set(all.map((d) => d.key.family))).toEqual(
      new Set(['model_breach', 'ai_analyst', 'system_status', 'audit', 'respond_action', 'email_alert']),
    );
  });

  it('ECS: every field we emit is an ECS 8.11 field of the right type', () => {
    const problems: string[] = [];
    for (const d of all)
      for (const p of checkEcs(JSON.parse(render(d, 'ecs')))) problems.push(`${d.uid} ${p}`);
    expect(problems).toEqual([]);
  });

  it('OCSF: every family validates against its OCSF 1.3.0 class (attributes, types, requirements, enums)', () => {
    const problems: string[] = [];
    const classes = new Map<string, Set<number>>();
    for (const d of all) {
      const o = JSON.parse(render(d, 'ocsf'));
      if (!classes.has(d.key.family)) classes.set(d.key.family, new Set());
      classes.get(d.key.family)!.add(o.class_uid);
      for (const p of checkOcsf(o)) problems.push(`${d.uid} ${p}`);
    }
    expect(problems).toEqual([]);
    // Each family is checked against the class its renderer picks, all four classes in play.
    expect(Object.fromEntries([...classes].map(([f, c]) => [f, [...c]]))).toEqual({
      model_breach: [2004],
      ai_analyst: [2004],
      system_status: [2004],
      audit: [6003],
      respond_action: [7001],
      email_alert: [4009],
    });
  });

  it('CEF and LEEF read back to the canonical values (spec readers and nsyslog-parser)', () => {
    for (const d of all.filter((x) => x.key.family === 'respond_action' || x.key.family === 'email_alert')) {
      const cefLine = render(d, 'cef');
      const c = parseCef(cefLine);
      expect(c.ext.externalId).toBe(d.key.id);
      expect(c.ext.cs6).toBe(d.uid);
      expect(c.ext.deviceFacility).toBe(d.key.family);
      expect(c.severity).toBe(String(SEVERITY_TO_10[d.severity]));
      expect(c.ext.rt).toBe(d.time === undefined ? undefined : String(d.time));
      expect(c.ext.suser).toBe(d.observables.users[0]);
      const n = nsyslog(cefLine);
      expect(n.type).toBe('CEF');
      expect(n.fields.externalId).toBe(d.key.id);
      // Our own CEF reads back to the same detection key.
      expect(normalize(cefLine, { instance: d.key.instance }).key).toEqual(d.key);

      const leef = readLeef(render(d, 'leef'));
      expect(leef.header).toEqual(['LEEF:2.0', 'Darktrace', 'DCIP', 'dtc-1', leef.header[4], '^']);
      expect(leef.attrs).toMatchObject({ externalId: d.key.id, family: d.key.family, dtcKey: d.uid });
      if (d.respond) expect(leef.attrs.respondState).toBe(d.respond.state);
      if (d.email?.from) expect(leef.attrs.sender).toBe(d.email.from);
      for (const f of FORMATS) expect(render(d, f)).not.toContain('\n');
    }
  });
});

describe('the schema checks reject what they should', () => {
  it('ECS: unknown field, wrong type, bad MAC, value outside the allowed set', () => {
    const d = respondLines()[1];
    const e = toEcs(d);
    e.host.mac = ['NO MAC ADDRESS IN DARKTRACE'];
    e.event.kind = 'respond';
    e.email = { links: ['x'] };
    e.event.risk_score = 'high';
    expect(checkEcs(e)).toEqual([
      expect.stringMatching(/^event\.kind: not one of/),
      expect.stringMatching(/^event\.risk_score: float wants a number/),
      expect.stringMatching(/^host\.mac: does not match/),
      expect.stringMatching(/^email\.links: not an ECS 8\.11\.0 field/),
    ]);
  });
  it('OCSF: missing required, unknown attribute, enum, type_uid', () => {
    const o = toOcsf(emails()[0]);
    o.email.from = 'not an address';
    o.email.attachments = [];
    o.activity_id = 7;
    delete o.metadata.product.vendor_name;
    const problems = checkOcsf(o);
    expect(problems).toContain('metadata.product.vendor_name: required');
    expect(problems).toContain('email.attachments: not an attribute here in OCSF 1.3.0');
    expect(problems.some((p) => p.startsWith('email.from: wants an e-mail address'))).toBe(true);
    expect(problems.some((p) => p.startsWith('activity_id: not one of'))).toBe(true);
    expect(problems).toContain('type_uid: must be class_uid × 100 + activity_id');
  });
  it('OCSF: a Detection Finding fails on each rule — unknown attribute, each type, required, enum, constraint', () => {
    const d = normalize(elasticLine('model_breach_alert-test-model-breach-alert.log', 3));
    expect(checkOcsf(toOcsf(d))).toEqual([]);
    const bad = (edit: (o: any) => void): string[] => {
      const o = toOcsf(d);
      edit(o);
      return checkOcsf(o);
    };
    const one = (edit: (o: any) => void, want: string | RegExp) => {
      const p = bad(edit);
      expect(p, p.join('; ')).toHaveLength(1);
      if (typeof want === 'string') expect(p[0]).toBe(want);
      else expect(p[0]).toMatch(want);
    };
    // unknown attributes, at the top and inside objects (1.4 attributes are unknown in 1.3.0)
    one((o) => (o.is_alert = true), 'is_alert: not an attribute here in OCSF 1.3.0');
    one(
      (o) => (o.finding_info.related_events = [{ uid: '9', title: 'x' }]),
      /^finding_info\.related_events\[0\]\.title: not an attribute/,
    );
    one((o) => (o.device.vendor_name = 'Acme'), 'device.vendor_name: not an attribute here in OCSF 1.3.0');
    // types: string, integer, long, timestamp, boolean, port, object, array and its converse
    one((o) => (o.finding_info.title = 5), /^finding_info\.title: wants a string/);
    one((o) => (o.risk_score = 87.5), /^risk_score: integer_t wants an integer/);
    one((o) => (o.duration = '5s'), /^duration: long_t wants an integer/);
    one((o) => (o.time = '2022-07-11T13:04:08Z'), /^time: timestamp_t wants an integer/);
    one((o) => (o.device.is_managed = 'yes'), /^device\.is_managed: wants a boolean/);
    one(
      (o) => (o.evidences[0].dst_endpoint.port = 70000),
      /^evidences\[0\]\.dst_endpoint\.port: wants a port number/,
    );
    one((o) => (o.finding_info.analytic = 'Beaconing'), /^finding_info\.analytic: wants a analytic object/);
    one((o) => (o.finding_info.types = 'Model Breach'), 'finding_info.types: wants an array');
    one((o) => (o.finding_info.title = ['a', 'b']), 'finding_info.title: wants one value, not an array');
    // required attributes (finding_info.title is required in 1.3.0, relaxed in 1.4)
    one((o) => delete o.finding_info.uid, 'finding_info.uid: required');
    one((o) => delete o.finding_info.title, 'finding_info.title: required');
    one((o) => delete o.finding_info.analytic.type_id, 'finding_info.analytic.type_id: required');
    // enums of *_id attributes (5 Archived is a 1.4 finding status)
    one((o) => (o.status_id = 5), /^status_id: not one of 0, 1, 2, 3, 4, 99/);
    one((o) => (o.risk_level_id = 7), /^risk_level_id: not one of/);
    one((o) => (o.finding_info.analytic.type_id = 12), /^finding_info\.analytic\.type_id: not one of/);
    one((o) => (o.observables[0].type_id = 31), /^observables\[0\]\.type_id: not one of/);
    // at_least_one constraints
    one(
      (o) => (o.evidences[0].dst_endpoint = { port: 443 }),
      /^evidences\[0\]\.dst_endpoint: network_endpoint wants at least one of ip, uid, name, hostname/,
    );
    one(
      (o) => (o.finding_info.attacks = [{ version: '15' }]),
      /^finding_info\.attacks\[0\]: attack wants at least one of tactic/,
    );
    // a class that is not in the subset
    expect(bad((o) => (o.class_uid = 2001))).toEqual(['class_uid 2001: not a class in the subset']);
  });

  it('OCSF: an API Activity (audit) fails without its required actor, api and source', () => {
    const d = normalize(
      `Apr 01 14:30:23 dt.example darktrace_audit {"username":"jsmith","method":"POST","endpoint":"/login","ip":"10.72.62.2","status":302}`,
    );
    const o = toOcsf(d);
    expect(checkOcsf(o)).toEqual([]);
    delete o.actor;
    delete o.api.operation;
    o.src_endpoint = {};
    o.activity_id = 5;
    o.type_uid = 600305;
    expect(checkOcsf(o)).toEqual([
      'actor: required',
      expect.stringMatching(/^activity_id: not one of 0, 1, 2, 3, 4, 99/),
      'api.operation: required',
      expect.stringMatching(/^src_endpoint: network_endpoint wants at least one of ip/),
    ]);
  });
});
