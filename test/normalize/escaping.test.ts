// CEF and LEEF escaping, and a read-back through an independent parser (nsyslog-parser, npm).
//
// nsyslog-parser splits the header on unescaped pipes and the extension on `key=` boundaries, but it
// does not unescape (`\|`, `\=`, `\\`, `\n` come back as typed) and it cuts a value at a second `=`.
// So the independent read-back asserts every field whose value has none of those characters, plus the
// header structure for values that do; the full escape rules are pinned below against the spec.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { type Detection, normalize, parseCef, render } from '../../src/normalize/index.ts';
import { cefHeaderEscape, cefValueEscape } from '../../src/normalize/render/cef.ts';
import { leefHeaderEscape, leefValueEscape } from '../../src/normalize/render/leef.ts';
import { SEVERITY_TO_10 } from '../../src/normalize/severity.ts';
import { elasticLines, XSOAR_RECORD_FILES, xsoarRecords } from './helpers.ts';
import { readLeef } from './schema.ts';

const nsyslog = createRequire(import.meta.url)('nsyslog-parser') as (s: string) => any;

function allDetections(): Detection[] {
  const out = elasticLines().map((l) => normalize(l.text));
  for (const f of XSOAR_RECORD_FILES) for (const r of xsoarRecords(f)) out.push(normalize(r as object));
  return out;
}

/** What the CEF line must carry, from the canonical model (not from the renderer). */
function cefExpected(d: Detection): Record<string, string | undefined> {
  const dev = d.devices[0];
  const o = d.observables;
  const t = d.time ?? d.created;
  return {
    rt: t === undefined ? undefined : String(t),
    externalId: d.key.id,
    deviceFacility: d.key.family,
    src: o.sourceIps[0] ?? dev?.ips[0],
    dst: o.destinationIps[0],
    dhost: o.destinationHosts[0],
    dpt: o.destinationPorts[0]?.toString(),
    suser: o.users[0],
    deviceExternalId: dev?.id?.toString(),
    dvchost: d.key.instance,
    cs1: d.url,
    cs3: d.techniques.length ? d.techniques.map((x) => x.id).join(',') : undefined,
    cs4: d.related.group,
    cs6: d.uid,
    flexString1: d.state.acknowledgedBy,
  };
}

const plain = (v: string) => !/[\\=\r\n|^]/.test(v);

describe('read back by nsyslog-parser', () => {
  const dets = allDetections();

  it('CEF: header fields and every plain extension value come back as put in', () => {
    let checked = 0;
    for (const d of dets) {
      const line = render(d, 'cef');
      const p = nsyslog(`<134>1 2024-01-01T00:00:00Z dtc darktrace - - - ${line}`);
      expect(p.type).toBe('CEF');
      expect(p.cef).toMatchObject({
        version: 'CEF:0',
        deviceVendor: 'Darktrace',
        deviceProduct: 'DCIP',
        severity: String(SEVERITY_TO_10[d.severity]),
      });
      const name = d.title.replaceAll('::', '/');
      if (plain(name)) expect(p.cef.name).toBe(name);
      for (const [k, v] of Object.entries(cefExpected(d))) {
        if (v === undefined || !plain(v)) continue;
        expect(p.fields[k], `${d.uid} ${k}`).toBe(v);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('LEEF: header fields and every plain attribute come back as put in', () => {
    let checked = 0;
    for (const d of dets) {
      const p = nsyslog(render(d, 'leef'));
      expect(p.type).toBe('LEEF');
      expect(p.leef).toMatchObject({
        leefVersion: 'LEEF:2.0',
        vendor: 'Darktrace',
        product: 'DCIP',
        delimiter: '^',
      });
      const o = d.observables;
      const want: Record<string, string | undefined> = {
        externalId: d.key.id,
        family: d.key.family,
        dtcKey: d.uid,
        sev: String(Math.max(1, SEVERITY_TO_10[d.severity])),
        src: o.sourceIps[0] ?? d.devices[0]?.ips[0],
        dst: o.destinationIps[0],
        dstPort: o.destinationPorts[0]?.toString(),
        usrName: o.users[0],
        ja3: o.ja3[0],
        groupID: d.related.group,
        darktraceUrl: d.url,
        devTime: d.time === undefined ? undefined : new Date(d.time).toISOString(),
      };
      for (const [k, v] of Object.entries(want)) {
        if (v === undefined || !plain(v)) continue;
        expect(p.fields[k], `${d.uid} ${k}`).toBe(v);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('escaped pipes keep the CEF and LEEF header structure intact', () => {
    const d = normalize(elasticLines()[0].text);
    d.title = 'Evil | Name \\ with | pipes';
    d.analytic = { ...d.analytic, id: 'sig|1', tags: [] };
    const c = nsyslog(render(d, 'cef'));
    expect(c.cef.severity).toBe(String(SEVERITY_TO_10[d.severity]));
    expect(c.cef.deviceEventClassID).toBe('sig\\|1');
    expect(c.cef.name).toBe('Evil \\| Name \\\\ with \\| pipes');
    expect(c.fields.externalId).toBe(d.key.id);
    const l = nsyslog(render(d, 'leef'));
    expect(l.leef.eventID).toBe('sig\\|1');
    expect(l.leef.delimiter).toBe('^');
    expect(l.fields.externalId).toBe(d.key.id);
  });
});

describe('CEF escaping (spec)', () => {
  it('header: backslash and pipe escaped, line breaks become spaces', () => {
    expect(cefHeaderEscape('a|b\\c\nd\re=f')).toBe('a\\|b\\\\c d e=f');
    expect(cefHeaderEscape('plain')).toBe('plain');
  });
  it('extension values: backslash and equals escaped, CR/LF as \\r \\n, pipes left alone', () => {
    expect(cefValueEscape('a=b\\c|d\ne\rf')).toBe('a\\=b\\\\c|d\\ne\\rf');
    expect(cefValueEscape('https://x/?a=1&b=2')).toBe('https://x/?a\\=1&b\\=2');
  });
  it('a hostile detection round-trips through a spec CEF parser', () => {
    const d = normalize(elasticLines()[0].text);
    const nasty = 'line1\nline2\r\\server\\share a=b | c key=value  two spaces';
    d.title = `Model|${nasty}`;
    d.description = nasty;
    d.url = 'https://dt.example/#modelbreach/1?x=1&y=\\2';
    d.observables.users = ['DOMAIN\\user=admin'];
    const line = render(d, 'cef');
    expect(line).not.toMatch(/[\r\n]/);
    const p = parseCef(line);
    expect(p.name).toBe(`Model|${nasty.replaceAll('\n', ' ').replaceAll('\r', ' ')}`);
    expect(p.ext.msg).toBe(nasty);
    expect(p.ext.cs1).toBe(d.url);
    expect(p.ext.suser).toBe('DOMAIN\\user=admin');
    expect(p.ext.externalId).toBe(d.key.id);
  });
  it('msg is capped at 1023 characters', () => {
    const d = normalize(elasticLines()[0].text);
    d.description = 'x'.repeat(5000);
    expect(parseCef(render(d, 'cef')).ext.msg.length).toBe(1023);
  });
});

describe('LEEF escaping (spec)', () => {
  it('header: backslash and pipe escaped, line breaks become spaces', () => {
    expect(leefHeaderEscape('a|b\\c\nd')).toBe('a\\|b\\\\c d');
  });
  it('values: backslash and the ^ delimiter escaped, CR/LF/TAB as \\r \\n \\t, = left as is', () => {
    expect(leefValueEscape('a^b\\c\nd\re\tf=g|h')).toBe('a\\^b\\\\c\\nd\\re\\tf=g|h');
  });
  it('a hostile detection round-trips through the spec reader', () => {
    const d = normalize(elasticLines()[0].text);
    const nasty = 'x^y\\z\nw\r\tq a=b|c';
    d.description = nasty;
    d.url = 'https://dt.example/#aiaincidentevent/1?a=b';
    d.observables.users = ['DOMAIN\\user^1'];
    const line = render(d, 'leef');
    expect(line).not.toMatch(/[\r\n\t]/);
    const { header, attrs } = readLeef(line);
    expect(header).toEqual(['LEEF:2.0', 'Darktrace', 'DCIP', 'dtc-1', 'AdminConnSummary', '^']);
    expect(attrs.msg).toBe(nasty);
    expect(attrs.darktraceUrl).toBe(d.url);
    expect(attrs.usrName).toBe('DOMAIN\\user^1');
    expect(attrs.externalId).toBe(d.key.id);
    expect(attrs.sev).toBe(String(SEVERITY_TO_10[d.severity]));
  });
});
