// The README's tables of options are generated from the specs: this fails while they are stale.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withReadmeTables } from '../../src/service/components.ts';

describe("the README's option tables", () => {
  it('match the specs (run npm run docs:tables after changing one)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(withReadmeTables(readme) === readme, 'README.md tables are stale: run npm run docs:tables').toBe(
      true,
    );
  });

  it('notice a stale table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const stale = readme.replace('HEC token', 'the HEC token (old wording)');
    expect(withReadmeTables(stale)).not.toBe(stale);
  });
});
