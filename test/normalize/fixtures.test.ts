// Every fixture record normalises and renders in every format, and the canonical values are right.
import { describe, expect, it } from 'vitest';
import {
  type Detection,
  FORMATS,
  normalize,
  parseCef,
  render,
  toEcs,
  toOcsf,
} from '../../src/normalize/index.ts';
import {
  elasticConfigBodies,
  elasticLine,
  elasticLines,
  elasticSampleEvents,
  getPath,
  leafPaths,
  XSOAR_RECORD_FILES,
  xsoarRecords,
} from './helpers.ts';

const MB_TEST = 'model_breach_alert-test-model-breach-alert.log';
const MB_SYSLOG = 'model_breach_alert-sample_logs-model_breach_alert.log';
const AIA_TEST = 'ai_analyst_alert-test-ai-analyst-alert.log';
const AIA_SYSLOG = 'ai_analyst_alert-sample_logs-ai_analyst_alert.log';
const SS_TEST = 'system_status_alert-test-system-status-alert.log';
const SS_SYSLOG = 'system_status_alert-sample_logs-system_status_alert.log';

function renderAll(d: Detection): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of FORMATS) out[f] = render(d, f);
  JSON.parse(out.ecs);
  JSON.parse(out.ocsf);
  JSON.parse(out.json);
  expect(out.cef.startsWith('CEF:0|Darktrace|DCIP|')).toBe(true);
  expect(out.leef.startsWith('LEEF:2.0|Darktrace|DCIP|')).toBe(true);
  for (const f of FORMATS) expect(out[f]).not.toContain('\n');
  return out;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('every fixture line, every format', () => {
  const lines = elasticLines();
  it('finds the elastic fixtures', () => {
    expect(lines.length).toBeGreaterThanOrEqual(22);
  });
  for (const l of lines) {
    it(`${l.file}:${l.line}`, () => {
      const d = normalize(l.text);
      expect(d.key.id).toBeTruthy();
      expect(d.time).toBeTypeOf('number');
      renderAll(d);
    });
  }
  for (const file of XSOAR_RECORD_FILES) {
    it(`xsoar/${file}`, () => {
      const recs = xsoarRecords(file);
      expect(recs.length).toBeGreaterThan(0);
      for (const r of recs) {
        const d = normalize(r as object, { instance: 'xsoar' });
        expect(['model_breach', 'ai_analyst']).toContain(d.key.family);
        expect(d.origin.source).toBe('api');
        renderAll(d);
      }
    });
  }
  it('elastic mock-API bodies (one-element arrays)', () => {
    const bodies = elasticConfigBodies();
    expect(bodies.length).toBe(2);
    const fams = bodies.map((b) => normalize(b).key.family).sort();
    expect(fams).toEqual(['ai_analyst', 'model_breach']);
  });
});

describe('the instance option', () => {
  it('a function picks the instance from the syslog hostname, or gets undefined when there is none', () => {
    const seen: (string | undefined)[] = [];
    const pick = (host: string | undefined) => {
      seen.push(host);
      return host ? `by-${host}` : 'fallback';
    };
    const line = elasticLine(MB_SYSLOG, 1);
    const d = normalize(line, { instance: pick });
    expect(d.key.instance).toBe(`by-${d.origin.syslog?.hostname}`);
    expect(normalize(JSON.parse(elasticLine(MB_TEST, 1)), { instance: pick }).key.instance).toBe('fallback');
    expect(seen).toEqual([d.origin.syslog?.hostname, undefined]);
    expect(normalize(line, { instance: 'fixed' }).key.instance).toBe('fixed');
  });
});

describe('model breaches', () => {
  it('System::System breach: negative did, flat model, display filters kept', () => {
    const d = normalize(elasticLine(MB_TEST, 1));
    expect(d.key).toEqual({ instance: 'default', family: 'model_breach', id: '5' });
    expect(iso(d.time)).toBe('2022-07-13T02:12:46.000Z');
    expect(iso(d.firstSeen)).toBe('2022-07-13T02:12:45.000Z');
    expect(d.devices).toEqual([{ id: -1, ips: [], tags: [] }]);
    expect(d.severity).toBe(1);
    expect(d.severityLabel).toBe('Informational');
    expect(d.scores.score).toBe(0.674);
    expect(d.url).toBe('https://example.com/#modelbreach/5');
    expect(d.state).toMatchObject({ acknowledged: false, commentCount: 0 });
    expect(d.description).toContain('connect.\n\nAction:');
    const ecs = toEcs(d);
    expect(ecs.host).toBeUndefined(); // did -1 is not a host
    expect(ecs.darktrace.devices[0].did).toBe(-1);
  });

  it('device, display-filter observables and mitreTechniques', () => {
    const d = normalize(elasticLine(MB_TEST, 2));
    expect(d.key.id).toBe('6');
    expect(d.severityLabel).toBe('High'); // Suspicious + score 0.88
    const dev = d.devices[0];
    expect(dev.id).toBe(7);
    // hostname "175.16.199.1" is an address, so it joins the IPs
    expect(dev.ips).toEqual(['81.2.69.192', '175.16.199.2', '175.16.199.1']);
    expect(dev.hostname).toBeUndefined();
    expect(dev.type).toBe('desktop');
    expect(dev.tags).toContain('Domain Authenticated');
    expect(d.observables.destinationIps).toEqual(['81.2.69.144']);
    expect(d.observables.destinationHosts).toEqual(['localhost.local']);
    expect(d.observables.httpMethods).toEqual(['GET']);
    expect(d.techniques).toEqual([{ id: 'T1200', name: 'Hardware Additions Mitigation' }]);
    const ecs = toEcs(d);
    expect(ecs.threat.technique.id).toEqual(['T1200']);
    expect(ecs.destination.ip).toBe('81.2.69.144');
    expect(ecs.http.request.method).toBe('GET');
    // OCSF 1.3 evidences have no http_request: the method is kept under unmapped, the rest in place.
    const o = toOcsf(d);
    expect(o.evidences[0]).toEqual({
      src_endpoint: { ip: '81.2.69.192', hostname: undefined, port: undefined, uid: '7' },
      dst_endpoint: {
        ip: '81.2.69.144',
        hostname: 'localhost.local',
        port: undefined,
        autonomous_system: undefined,
      },
      url: undefined,
      actor: undefined,
    });
    expect(o.unmapped.darktrace.evidence).toEqual({
      tls_ja3: undefined,
      http_methods: ['GET'],
      user_agents: undefined,
    });
    expect(o.finding_info.attacks).toEqual([
      {
        tactic: undefined,
        technique: { uid: 'T1200', name: 'Hardware Additions Mitigation' },
        version: '15',
      },
    ]);
  });

  it('JA3, ASN, host and the AI Analyst link', () => {
    const d = normalize(elasticLine(MB_TEST, 3));
    expect(d.key.id).toBe('1');
    expect(iso(d.created)).toBe('2022-07-11T13:04:19.000Z');
    expect(d.observables.ja3).toEqual(['5d41402abc4b2a76b9719d911017c592']);
    expect(d.observables.asns).toEqual([{ number: 12345, name: 'LOCAL-02' }]);
    expect(d.observables.destinationIps).toEqual(['81.2.69.192']);
    expect(d.observables.destinationHosts).toEqual(['example.com']);
    expect(d.related.incidents).toEqual(['1234abcd-1234-1234-1234-123456abcdef']);
    const ecs = toEcs(d);
    expect(ecs.tls.client.ja3).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(ecs.destination.as).toEqual({ number: 12345, organization: { name: 'LOCAL-02' } });
    expect(ecs.rule.ruleset).toEqual(['AP: C2 Comms']);
    // OCSF 1.3 evidences have no tls (1.4): the JA3 hash stays under unmapped and as a Hash observable;
    // the AS number and name are on the destination endpoint.
    const o = JSON.parse(render(d, 'ocsf'));
    expect(o.evidences[0].tls).toBeUndefined();
    expect(o.evidences[0].dst_endpoint).toEqual({
      ip: '81.2.69.192',
      hostname: 'example.com',
      autonomous_system: { number: 12345, name: 'LOCAL-02' },
    });
    expect(o.unmapped.darktrace.evidence).toEqual({ tls_ja3: ['5d41402abc4b2a76b9719d911017c592'] });
    expect(o.observables).toContainEqual({
      name: 'tls.ja3_hash.value',
      type_id: 8,
      type: 'Hash',
      value: '5d41402abc4b2a76b9719d911017c592',
    });
    expect(o.is_alert).toBeUndefined();
    expect(o.unmapped.darktrace.is_alert).toBe(true);
  });

  it('acknowledged: object with time, with username only, and false', () => {
    const withTime = normalize(elasticLine(MB_TEST, 6));
    expect(withTime.state).toMatchObject({ acknowledged: true, acknowledgedBy: 'user@company' });
    expect(iso(withTime.state.acknowledgedAt)).toBe('2022-07-13T02:12:45.000Z');
    const userOnly = normalize(elasticLine(MB_TEST, 9));
    expect(userOnly.state.acknowledged).toBe(true);
    expect(userOnly.state.acknowledgedBy).toBe('user@company');
    expect(userOnly.state.acknowledgedAt).toBeUndefined();
    const no = normalize(elasticLine(MB_TEST, 10));
    expect(no.state.acknowledged).toBe(false);
    // same key, different state → different content hash (a new version for the store)
    const plain = normalize(elasticLine(MB_TEST, 1));
    expect(withTime.key).toEqual(plain.key);
    expect(withTime.hash).not.toBe(plain.hash);
    expect(normalize(elasticLine(MB_TEST, 7)).hash).not.toBe(withTime.hash);
  });

  it('2024 breach: model.mitre, percentscore, OS, port', () => {
    const d = normalize(elasticLine(MB_TEST, 10));
    expect(d.key.id).toBe('25196');
    expect(iso(d.time)).toBe('2024-11-08T12:57:23.000Z');
    expect(d.tactics).toEqual([{ id: 'TA0010', name: 'exfiltration' }]);
    expect(d.techniques.map((t) => t.id)).toEqual(['T1041', 'T1567.002']);
    expect(d.devices[0]).toMatchObject({
      id: 7281,
      os: 'FreeBSD',
      mac: '57:d5:10:a3:13:fb',
      ips: ['192.168.1.1'],
    });
    expect(d.observables.destinationPorts).toEqual([80]);
    expect(d.observables.destinationIps).toEqual(['1.1.1.1']);
    expect(d.observables.asns).toEqual([{ name: 'SOME ASN' }]);
    expect(d.scores.percentscore).toBeTypeOf('number');
    const ecs = toEcs(d);
    expect(ecs.threat.tactic).toEqual({
      id: ['TA0010'],
      name: ['exfiltration'],
      reference: ['https://attack.mitre.org/tactics/TA0010/'],
    });
    expect(ecs.host.mac).toEqual(['57-D5-10-A3-13-FB']);
    expect(ecs.host.os).toEqual({ name: 'FreeBSD' });
    const ocsf = JSON.parse(render(d, 'ocsf'));
    expect(ocsf.finding_info.attacks).toEqual([
      { tactic: { uid: 'TA0010', name: 'exfiltration' }, technique: { uid: 'T1041' }, version: '15' },
      {
        tactic: { uid: 'TA0010', name: 'exfiltration' },
        technique: { uid: 'T1567' },
        sub_technique: { uid: 'T1567.002' },
        version: '15',
      },
    ]);
    // The hardware vendor has no OCSF 1.3 device attribute (device.vendor_name is 1.4).
    expect(ocsf.device.vendor_name).toBeUndefined();
    expect(ocsf.unmapped.darktrace.device_vendor).toBe(d.devices[0].vendor);
    expect(d.devices[0].vendor).toBe('Some Vendor');
  });

  it('nested defeats, sid -6, acknowledged object', () => {
    const d = normalize(elasticLine(MB_TEST, 11));
    expect(d.key.id).toBe('36725');
    expect((d.vendor.defeats as unknown[]).length).toBe(3);
    expect(d.devices[0]).toMatchObject({
      id: 18390,
      subnetId: -6,
      label: 'test_device',
      os: 'Windows NT kernel',
    });
    expect(d.state.acknowledgedBy).toBe('redacted@example.com');
    expect(iso(d.state.acknowledgedAt)).toBe('2024-12-10T13:42:02.000Z');
    expect(d.tactics.map((t) => t.id)).toEqual(['TA0005', 'TA0010']);
    expect(JSON.parse(render(d, 'ocsf')).status_id).toBe(4);
  });

  it('syslog framing: RFC 5424, RFC 3164 and the bare app-name prefix', () => {
    const r5424 = normalize(elasticLine(MB_SYSLOG, 1));
    expect(r5424.origin.syslog).toMatchObject({
      rfc: 5424,
      priority: 165,
      facility: 20,
      severity: 5,
      hostname: 'example.cloud.darktrace.com',
      appname: 'darktrace',
    });
    expect(r5424.key.instance).toBe('example.cloud.darktrace.com');
    expect(r5424.key.id).toBe('6');
    const r3164 = normalize(elasticLine(MB_SYSLOG, 4));
    expect(r3164.origin.syslog).toMatchObject({
      rfc: 3164,
      timestamp: 'Aug  5 03:34:46',
      appname: 'darktrace',
    });
    expect(r3164.key.id).toBe('123');
    expect(r3164.url).toBeUndefined(); // empty breachUrl
    const linked = normalize(elasticLine(MB_SYSLOG, 4), { baseUrl: 'https://dt.example.com/' });
    expect(linked.url).toBe('https://dt.example.com/#modelbreach/123');
    // Found by `npm run fuzz`: an id with a lone surrogate made the link's encodeURIComponent throw, so
    // the whole record failed ("internal error: URI malformed"); it now maps, without a link.
    const [event] = elasticLines().filter((l) => l.file === AIA_TEST);
    const odd = JSON.parse(event.text);
    odd.id = 'x\ud800';
    const unlinked = normalize(odd, { instance: 'lab', baseUrl: 'https://dt.example.com' });
    expect(unlinked.key.id).toBe('x\ud800');
    expect(unlinked.url).toBeUndefined();
    expect(iso(r3164.time)).toBe('2022-08-05T09:34:46.317Z');
    const bare = normalize(elasticLine(MB_TEST, 5));
    expect(bare.origin.syslog).toMatchObject({ rfc: 0, appname: 'darktrace' });
    expect(bare.devices[0]).toMatchObject({ hostname: 'test-device.example.com', name: 'Test Device' });
    const ecs = toEcs(r5424);
    expect(ecs.log.syslog).toMatchObject({
      priority: 165,
      facility: { code: 20, name: 'local4' },
      severity: { code: 5, name: 'Notice' },
      hostname: 'example.cloud.darktrace.com',
    });
  });

  it('REST shapes: model then/now, device inside components, invalid IPs dropped', () => {
    const [a] = xsoarRecords('Darktrace-fetch_breach.json');
    const d = normalize(a as object, { instance: 'lab' });
    expect(d.uid).toBe(`lab/model_breach/${d.key.id}`);
    expect(d.vendor.model).toMatchObject({ shape: 'then_now' });
    expect(d.title).toContain('::');
    const [g] = xsoarRecords('DarktraceMBs-get_breach.json');
    const dg = normalize(g as object);
    expect(dg.devices[0].id).toBe(823);
    expect(dg.key.id).toBe('95');
    const [m] = xsoarRecords('mocked_get_events.json');
    const dm = normalize(m as object);
    expect(dm.devices[0].ips).toEqual([]); // "111.111.11.#11111" is not an address
  });
});

describe('AI Analyst events', () => {
  it('string groupScore, critical, related breach', () => {
    const d = normalize(elasticLine(AIA_TEST, 1));
    expect(d.key).toEqual({
      instance: 'default',
      family: 'ai_analyst',
      id: 'eabc0011-1234-1234-1234-cabcdefg0011',
    });
    expect(d.scores.groupScore).toBe(72.9174234);
    expect(d.scores.aiaScore).toBe(98);
    expect(d.severityLabel).toBe('Critical');
    expect(iso(d.time)).toBe('2021-08-03T14:48:09.240Z');
    expect(iso(d.firstSeen)).toBe('2021-08-03T10:08:18.683Z');
    expect(iso(d.lastSeen)).toBe('2021-08-03T14:15:41.220Z');
    expect(d.related.group).toBe('eabc1234-1234-1234-1234-cabcdefg0011');
    expect(d.related.breaches).toEqual([
      {
        pbid: 1234,
        modelName: 'Unusual Activity / Unusual Activity from Re-Activated Device',
        threatScore: 37,
        time: 1627997157000,
      },
    ]);
    expect(d.devices[0]).toMatchObject({
      id: 10,
      ips: ['81.2.69.144'],
      hostname: 'linux.local',
      subnet: 'VPN',
    });
    expect(d.observables.destinationIps).toEqual(['81.2.69.192', '175.16.199.1', '175.16.199.3']);
    expect(d.observables.destinationPorts).toEqual([22]);
    const ocsf = JSON.parse(render(d, 'ocsf'));
    expect(ocsf.class_uid).toBe(2004);
    // OCSF 1.3 related events are an id and a type; the model name and time are kept under unmapped.
    expect(ocsf.finding_info.related_events).toEqual([{ uid: '1234', type: 'Model Breach' }]);
    expect(ocsf.unmapped.darktrace.related_breaches).toEqual([
      {
        pbid: 1234,
        model_name: 'Unusual Activity / Unusual Activity from Re-Activated Device',
        time: 1627997157000,
      },
    ]);
    expect(ocsf.finding_info.analytic.type_id).toBe(4);
  });

  it('CIDR-suffixed IPs, users and scanned hosts from details', () => {
    const d = normalize(elasticLine(AIA_SYSLOG, 2));
    expect(d.key.instance).toBe('example.cloud.darktrace.com');
    expect(d.devices[0].ips).toEqual(['175.16.199.1']);
    expect(d.scores.groupScore).toBeCloseTo(6.8577, 3);
    expect(d.severityLabel).toBe('Medium');
    expect(d.observables.users).toEqual(['user1']);
    expect(d.observables.sourceIps).toEqual(['175.16.199.1', '175.16.199.3']);
    expect(d.observables.destinationIps).toEqual(['81.2.69.144', '81.2.69.192']);
    expect(d.observables.destinationPorts).toEqual(expect.arrayContaining([21, 22, 443, 137]));
    expect(d.url).toBe('https://www.example.com/#aiaincidentevent/eabcdef0-1234-1234-1234-cabcdefghij9');
    const ecs = toEcs(d);
    expect(ecs.user.name).toBe('user1');
    expect(ecs.host.ip).toEqual(['175.16.199.1']);
  });

  it('block-style details, SaaS user split, mitreTactics', () => {
    const [r] = xsoarRecords('ai_analyst_incident.json');
    const d = normalize(r as object);
    expect(d.devices[0].saas).toEqual({ service: 'AzureActiveDirectory', user: 'example.foo@storosta.com' });
    expect(d.devices[0].subnetId).toBe(-9);
    expect(d.observables.users).toContain('example.foo@storosta.com');
    expect(d.observables.asns).toEqual([{ number: 577, name: 'BACOM' }]);
    expect(d.tactics).toEqual([{ id: 'TA0004', name: 'privilege-escalation' }]);
    expect(d.severityLabel).toBe('Critical'); // critical, aiaScore 94
    const ecs = toEcs(d);
    expect(ecs.threat.tactic.id).toEqual(['TA0004']);
    expect(ecs.host.hostname).toBeUndefined(); // a SaaS account is not a hostname
  });
});

describe('system status alerts', () => {
  it('float-second last_updated, critical level, uuid key', () => {
    const d = normalize(elasticLine(SS_TEST, 2));
    expect(d.key).toEqual({
      instance: 'default',
      family: 'system_status',
      id: 'abcd1234-1234-1234-1234-3abababcdcd3',
    });
    expect(iso(d.time)).toBe('2022-07-18T02:20:10.556Z');
    expect(d.severityLabel).toBe('Critical');
    expect(d.state.status).toBe('active');
    expect(d.devices[0]).toMatchObject({ hostname: 'local-abc', ips: ['175.16.199.1'] });
    expect(d.url).toBe('https://example.com/test?value=abcd1234-1234-1234-1234-3abababcdcd3');
  });
  it('integer seconds, medium; a later update is a new version of the same key', () => {
    const d = normalize(elasticLine(SS_SYSLOG, 1));
    expect(iso(d.time)).toBe('2021-04-18T15:44:11.000Z');
    expect(d.severityLabel).toBe('Medium');
    expect(d.scores.statusPriority).toBe(43);
    const raw = JSON.parse(elasticLine(SS_TEST, 1));
    const later = normalize({ ...raw, last_updated: raw.last_updated + 60, status: 'resolved' });
    const first = normalize(raw);
    expect(later.key).toEqual(first.key);
    expect(later.hash).not.toBe(first.hash);
    const closed = JSON.parse(render(later, 'ocsf'));
    expect(closed).toMatchObject({ activity_id: 3, status_id: 4, status: 'Resolved' });
    // is_alert is OCSF 1.4: a closed system alert is no longer an alertable signal, said under unmapped.
    expect(closed.is_alert).toBeUndefined();
    expect(closed.unmapped.darktrace.is_alert).toBe(false);
    expect(JSON.parse(render(first, 'ocsf')).unmapped.darktrace.is_alert).toBe(true);
    expect(toEcs(later).event.kind).toBe('event');
  });
});

describe('audit and CEF input', () => {
  const audit =
    'Apr 01 14:30:23 darktraceserver1.mydomain.com darktrace_audit {"username":"jsmith","method":"POST","endpoint":"/login","ip":"10.72.62.2","status":302,"description":"Failed login"}';
  it('darktrace_audit line (no PRI)', () => {
    const d = normalize(audit);
    expect(d.key.family).toBe('audit');
    expect(d.key.id.startsWith('h:')).toBe(true);
    expect(d.key.instance).toBe('darktraceserver1.mydomain.com');
    expect(d.origin.syslog?.appname).toBe('darktrace_audit');
    expect(d.observables.users).toEqual(['jsmith']);
    expect(d.observables.sourceIps).toEqual(['10.72.62.2']);
    expect(d.severityLabel).toBe('Low');
    expect(normalize(audit).key.id).toBe(d.key.id); // identity is stable
    const ocsf = JSON.parse(render(d, 'ocsf'));
    expect(ocsf).toMatchObject({
      class_uid: 6003,
      activity_id: 1,
      status_id: 2,
      actor: { user: { name: 'jsmith' } },
    });
    expect(toEcs(d).event).toMatchObject({ category: ['authentication'], outcome: 'failure' });
  });
  it('Darktrace CEF line', () => {
    const line =
      '<165>1 2024-01-02T03:04:05Z dt.example darktrace - - - CEF:0|Darktrace|DCIP|6.1|100|Compromise/Beacon to Rare External Endpoint|9|externalId=12399 dvc=10.10.50.5 dvchost=laptop-1 dst=185.220.101.45:8443 dhost=rare.example darktraceUrl=https://dt.example/#modelbreach/12399';
    const d = normalize(line);
    expect(d.key).toEqual({ instance: 'dt.example', family: 'model_breach', id: '12399' });
    expect(d.severityLabel).toBe('Critical');
    expect(d.devices[0]).toMatchObject({ ips: ['10.10.50.5'], hostname: 'laptop-1' });
    expect(d.observables).toMatchObject({ destinationIps: ['185.220.101.45'], destinationPorts: [8443] });
    expect(d.url).toBe('https://dt.example/#modelbreach/12399');
    expect(iso(d.time)).toBe('2024-01-02T03:04:05.000Z');
    renderAll(d);
  });
  it('our own CEF reads back to the same key and values', () => {
    const d = normalize(elasticLine(MB_TEST, 10));
    const back = normalize(render(d, 'cef'), { instance: 'default' });
    expect(back.key).toEqual(d.key);
    expect(back.severity).toBe(d.severity);
    expect(back.time).toBe(d.time);
    expect(back.tactics).toEqual(d.tactics);
    expect(back.techniques).toEqual(d.techniques.map((t) => ({ id: t.id })));
    expect(back.observables.destinationIps).toEqual(d.observables.destinationIps);
    expect(back.url).toBe(d.url);
    expect(parseCef(render(d, 'cef')).ext.cs6).toBe(d.uid);
  });
});

describe('ECS covers every field Elastic sets', () => {
  // Set by the agent or the index, not by a pipeline from the record.
  const AGENT = [
    'agent.',
    'elastic_agent.',
    'data_stream.',
    'input.',
    'log.source.',
    'event.agent_id_status',
    'event.ingested',
    'tags',
  ];
  for (const { file, doc } of elasticSampleEvents()) {
    it(file, () => {
      const d = normalize(doc.event.original);
      const ours = toEcs(d, { original: true });
      const paths = leafPaths(doc).filter(
        (p) => !p.startsWith('darktrace.') && !AGENT.some((a) => p.startsWith(a)),
      );
      expect(paths.length).toBeGreaterThan(10);
      const missing = paths.filter((p) => getPath(ours, p) === undefined && !p.startsWith('log.syslog'));
      expect(missing).toEqual([]);
      for (const p of [
        '@timestamp',
        'event.id',
        'event.created',
        'event.risk_score',
        'event.risk_score_norm',
        'message',
      ])
        if (getPath(doc, p) !== undefined) expect(getPath(ours, p)).toEqual(getPath(doc, p));
      expect(getPath(ours, 'event.original')).toBe(JSON.stringify(JSON.parse(doc.event.original)));
    });
  }
});
