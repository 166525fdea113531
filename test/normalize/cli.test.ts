// `dtc normalize`: one output line per understood input line, in order; errors on stderr with the line
// number; exit 1 after processing everything else.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runNormalize } from '../../src/cli/actions/normalize.ts';
import { FORMATS } from '../../src/normalize/index.ts';
import { elasticLines, repoRoot } from './helpers.ts';

async function run(lines: string[], to: (typeof FORMATS)[number]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (c) => {
    o += c;
  });
  err.on('data', (c) => {
    e += c;
  });
  const code = await runNormalize(Readable.from([`${lines.join('\n')}\n`]), out, err, { to });
  return { code, out: o, err: e };
}

describe('dtc normalize', () => {
  const good = elasticLines().map((l) => l.text);

  for (const to of FORMATS) {
    it(`--to ${to}: every fixture line gives one output line, in order`, async () => {
      const r = await run(good, to);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const lines = r.out.split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.length).toBe(good.length);
      if (to === 'ecs') expect(JSON.parse(lines[0]).event.id).toBe('eabc0011-1234-1234-1234-cabcdefg0011');
    });
  }

  it('bad lines: no output, stderr with line number and reason, exit 1 after the rest', async () => {
    const input = [good[0], 'not json at all', good[1], '{"truncated": ', '{"hello":"world"}', good[2]];
    const r = await run(input, 'json');
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.length).toBe(3);
    expect(lines.map((l) => JSON.parse(l).key.id)).toEqual([
      'eabc0011-1234-1234-1234-cabcdefg0011',
      'eabcdef0-1234-1234-1234-cabcdefghij9',
      'eabc0011-1234-1234-1234-cabcdefg0011',
    ]);
    expect(r.err).toContain('line 2: bad_frame');
    expect(r.err).toContain('line 4: bad_json');
    expect(r.err).toContain('line 5: unknown_family');
    expect(r.err).toContain('3 of 6 lines could not be normalised');
  });

  it('runs as the real `dtc` binary', () => {
    const res = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'bin/dtc.js'), 'normalize', '--to', 'leef'],
      {
        input: `${good[0]}\n{"x":1}\n${good[5]}\n`,
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(res.status).toBe(1);
    expect(res.stdout.trimEnd().split('\n').length).toBe(2);
    expect(res.stdout.startsWith('LEEF:2.0|Darktrace|DCIP|')).toBe(true);
    expect(res.stderr).toContain('line 2: unknown_family');
  });
});
