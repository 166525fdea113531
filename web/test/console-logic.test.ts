// The console's own logic added with the chart, the commands, the incidents and the detection's story:
// histogram stacking, the time range in the URL, forms generated from a command's parameter schema (the
// catalog's real schemas), incidents grouped, a record's components and narrative in sections.
import { describe, expect, it } from 'vitest';
import { commands, jsonSchema } from '../../src/commands/index.ts';
import { breachDevice, commentCommands } from '../src/lib/actions.ts';
import { describeHistogram, STACK_ORDER, stackHistogram } from '../src/lib/chart.ts';
import { bodyOf, FieldError, fieldsOf, outcomeLines } from '../src/lib/command-form.ts';
import { groupIncidents } from '../src/lib/incidents.ts';
import { components, narrative } from '../src/lib/narrative.ts';
import { histogramToApi, parseSearch, searchToUrl, withRange } from '../src/lib/search.ts';

const H = 3_600_000;
const schemaOf = (name: string) => jsonSchema(commands.find((c) => c.name === name)!.params) as never;

describe('the chart', () => {
  const h = {
    from: 0,
    to: 2 * H,
    bucketMs: H,
    buckets: [
      { start: 0, counts: [0, 1, 2, 0, 0, 3] },
      { start: H, counts: [1, 0, 0, 4, 0, 0] },
    ],
  };
  it('stacks severities critical first, each layer the running total, closed after the last bucket', () => {
    const s = stackHistogram(h);
    expect(s.x).toEqual([0, 3600, 7200]);
    expect(s.layers.map((l) => l.severity)).toEqual([...STACK_ORDER]);
    expect(s.layers.map((l) => l.top)).toEqual([
      [3, 0, 0], // critical
      [3, 0, 0], // + high
      [3, 4, 0], // + medium
      [5, 4, 0], // + low
      [6, 4, 0], // + informational
      [6, 5, 0], // + unknown: the total
    ]);
    expect(s.total).toBe(11);
  });
  it('says what it shows in words, for screen readers', () => {
    expect(describeHistogram(h)).toBe(
      '11 detections from 1970-01-01 00:00 to 1970-01-01 02:00 UTC by severity; the most, 6, in the bucket from 1970-01-01 00:00',
    );
  });
  it('puts a dragged range in the URL (either direction, to the second) and asks the histogram for the same search', () => {
    const s = withRange({ severity: 4 }, Date.UTC(2026, 0, 2, 3, 4, 5, 600), Date.UTC(2026, 0, 1));
    expect(searchToUrl(s)).toBe('?severity=4&from=2026-01-01T00%3A00%3A00Z&to=2026-01-02T03%3A04%3A06Z');
    expect(parseSearch(searchToUrl(s))).toEqual(s);
    expect(histogramToApi(s, 90)).toBe(
      '/api/detections/histogram?severity=4&from=2026-01-01T00%3A00%3A00Z&to=2026-01-02T03%3A04%3A06Z&buckets=90',
    );
  });
});

describe('command forms from the catalog’s parameter schemas', () => {
  it('makes a field of each kind: list, choice, integer with bounds, time, JSON, boolean', () => {
    const respond = fieldsOf(schemaOf('create-actions'));
    expect(respond.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['deviceIds', 'list', true],
      ['action', 'choice', true],
      ['duration', 'integer', false],
      ['reason', 'text', false],
      ['connections', 'json', false],
    ]);
    expect(respond[0].items).toBe('integer');
    expect(respond[1].options).toContain('quarantine');
    expect(respond[2]).toMatchObject({ min: 1, max: 31 * 86_400, initial: '60' });
    const pcap = fieldsOf(schemaOf('create-pcap'));
    expect(pcap.find((f) => f.name === 'start')?.kind).toBe('time');
    // Every command of the catalog gets a form.
    for (const c of commands) expect(() => fieldsOf(jsonSchema(c.params) as never)).not.toThrow();
  });

  it('builds the body the API takes, leaving empty optional fields to the API’s defaults', () => {
    const f = fieldsOf(schemaOf('create-actions'));
    expect(
      bodyOf(f, { deviceIds: '12, 13 14', action: 'quarantine', duration: '', reason: ' why ' }),
    ).toEqual({
      deviceIds: [12, 13, 14],
      action: 'quarantine',
      reason: 'why',
    });
    // Untouched, a field keeps the schema's default as its text.
    expect(bodyOf(f, { deviceIds: '1', action: 'quarantine' }).duration).toBe(60);
    expect(
      bodyOf(f, {
        deviceIds: '1',
        action: 'connection',
        connections: '{"src":"10.0.0.5","dst":"203.0.113.7"}',
      }).connections,
    ).toEqual([{ src: '10.0.0.5', dst: '203.0.113.7' }]);
    const pcap = fieldsOf(schemaOf('create-pcap'));
    expect(bodyOf(pcap, { sourceIp: '10.0.0.5', start: '1700000000000', end: '10m' })).toMatchObject({
      start: 1_700_000_000_000,
      end: '10m',
    });
  });

  it('says which field is wrong and why, before anything is sent', () => {
    const f = fieldsOf(schemaOf('create-actions'));
    expect(() => bodyOf(f, { action: 'quarantine' })).toThrow(new FieldError('deviceIds', 'is required'));
    expect(() => bodyOf(f, { deviceIds: '12, x', action: 'quarantine' })).toThrow(
      'deviceIds: "x" is not a whole number',
    );
    expect(() => bodyOf(f, { deviceIds: '1', action: 'connection', connections: '[{' })).toThrow(
      /^connections: is not valid JSON/,
    );
  });

  it('words the outcome per item', () => {
    expect(
      outcomeLines({
        outcome: 'Partially Successful',
        items: [
          { item: 12, ok: true, result: {} },
          { item: 13, ok: false, error: { message: 'no such breach' } },
        ],
      }),
    ).toEqual([
      { item: '12', ok: true, text: 'done' },
      { item: '13', ok: false, text: 'failed: no such breach' },
    ]);
    expect(outcomeLines({ outcome: 'Failed', error: { message: 'refused' } })).toEqual([
      { item: '', ok: false, text: 'failed: refused' },
    ]);
  });
});

describe('a detection’s actions and story', () => {
  it('comments through the catalog: a breach by pbid, an AI Analyst event by its id', () => {
    const b = commentCommands({ family: 'model_breach', nativeId: '95' })!;
    expect(b.read).toEqual({ command: 'get-comments', body: { breachIds: [95] } });
    expect(b.add('seen')).toEqual({ command: 'add-comments', body: { breachIds: [95], comment: 'seen' } });
    expect(b.comments({ items: [{ result: [{ message: 'hi', username: 'ann', time: 5 }] }] })).toEqual([
      { message: 'hi', username: 'ann', time: 5 },
    ]);
    const a = commentCommands({ family: 'ai_analyst', nativeId: 'e-1' })!;
    expect(a.add('x').body).toEqual({ eventId: 'e-1', comment: 'x' });
    expect(commentCommands({ family: 'system_status', nativeId: '1' })).toBeUndefined();
    expect(
      breachDevice({ family: 'model_breach', nativeId: '1' }, [{ ips: [] }, { id: 7, ips: ['10.0.0.7'] }]),
    ).toEqual({
      did: 7,
      ip: '10.0.0.7',
    });
    expect(breachDevice({ family: 'ai_analyst', nativeId: '1' }, [{ id: 7, ips: [] }])).toBeUndefined();
  });

  it('reads a breach’s components and both shapes of an AI Analyst narrative', () => {
    expect(
      components({
        triggeredComponents: [
          {
            size: 3,
            threshold: 1,
            metric: { label: 'Connections' },
            triggeredFilters: [{ filterType: 'Destination IP', trigger: { value: '203.0.113.7' } }],
          },
        ],
      }),
    ).toEqual([
      {
        header: 'Component 1: Connections (3 > 1)',
        lines: [{ key: 'Destination IP', value: '203.0.113.7' }],
      },
    ]);
    const blocks = narrative({
      details: [
        {
          blockType: 'single',
          blocks: [
            {
              blockHeader: 'Breaching Device',
              bulletBlocks: [[{ detailKey: 'Device', detailValues: [{ hostname: 'ws-1', did: 3 }] }]],
            },
          ],
        },
      ],
    });
    expect(blocks).toEqual([{ header: 'Breaching Device', lines: [{ key: 'Device', value: 'ws-1' }] }]);
    const sections = narrative({
      details: [[{ header: 'Activity', contents: [{ key: 'Time', values: [{ start: 0, end: 1000 }] }] }]],
    });
    expect(sections).toEqual([
      {
        header: 'Activity',
        lines: [{ key: 'Time', value: '1970-01-01T00:00:00.000Z – 1970-01-01T00:00:01.000Z' }],
      },
    ]);
    expect(narrative(null)).toEqual([]);
  });

  it('groups AI Analyst events by incident group, highest score first, newest event first', () => {
    const row = (key: string, group: string | undefined, t: number, aia: number, groupScore?: number) =>
      ({
        key,
        eventTime: t,
        acknowledged: false,
        title: key,
        canonical: { related: { group }, scores: { aiaScore: aia, groupScore } },
      }) as never;
    const g = groupIncidents([
      row('a', 'g1', 1, 30),
      row('b', 'g2', 2, 90),
      row('c', 'g1', 3, 40, 55),
      row('d', undefined, 4, 10),
    ]);
    expect(g.map((x) => [x.id, x.score, x.events.map((e) => e.row.key)])).toEqual([
      ['g2', 90, ['b']],
      ['g1', 55, ['c', 'a']],
      ['d', 10, ['d']],
    ]);
  });
});
