// PDF pages as pixels for the report tests: pdftoppm (Debian's poppler-utils) renders each page to a
// binary PPM, which is read here without an image library.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Page {
  width: number;
  height: number;
  /** RGB, 3 bytes a pixel, row by row. */
  data: Buffer;
}

export function parsePpm(buf: Buffer): Page {
  // P6 <width> <height> <maxval> then one whitespace byte and the pixels.
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('not a binary PPM');
  const width = Number(header[1]);
  const height = Number(header[2]);
  return { width, height, data: buf.subarray(header[0].length, header[0].length + width * height * 3) };
}

/** Renders every page of a PDF at `dpi`; `pngDir` also keeps PNGs there (to look at). */
export function pdfPages(pdf: Buffer, dpi = 50, pngDir?: string): Page[] {
  const dir = mkdtempSync(join(tmpdir(), 'dtc-report-ppm-'));
  try {
    const file = join(dir, 'r.pdf');
    writeFileSync(file, pdf);
    execFileSync('pdftoppm', ['-r', String(dpi), file, join(dir, 'p')]);
    if (pngDir) execFileSync('pdftoppm', ['-png', '-r', '80', file, join(pngDir, 'page')]);
    return readdirSync(dir)
      .filter((f) => f.endsWith('.ppm'))
      .sort()
      .map((f) => parsePpm(readFileSync(join(dir, f))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const hex = (c: string) => [1, 3, 5].map((i) => Number.parseInt(c.slice(i, i + 2), 16));

/**
 * Solid fills of a colour (every pixel of a 4 × 3 block within `tolerance`, so the anti-aliased edges of
 * text never count): how many blocks, and their bounding box as fractions of the page.
 */
export function colorArea(p: Page, color: string, tolerance = 12) {
  const [r, g, b] = hex(color);
  const near = (x: number, y: number) => {
    const i = (y * p.width + x) * 3;
    return (
      Math.abs(p.data[i] - r) <= tolerance &&
      Math.abs(p.data[i + 1] - g) <= tolerance &&
      Math.abs(p.data[i + 2] - b) <= tolerance
    );
  };
  let n = 0;
  let x0 = 1;
  let y0 = 1;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y + 2 < p.height; y++)
    for (let x = 0; x + 3 < p.width; x++) {
      let solid = true;
      for (let dy = 0; dy < 3 && solid; dy++)
        for (let dx = 0; dx < 4 && solid; dx++) solid = near(x + dx, y + dy);
      if (!solid) continue;
      n++;
      x0 = Math.min(x0, x / p.width);
      y0 = Math.min(y0, y / p.height);
      x1 = Math.max(x1, (x + 3) / p.width);
      y1 = Math.max(y1, (y + 2) / p.height);
    }
  return { n, box: n ? { x0, y0, x1, y1 } : undefined };
}

/** Pixels that are not the white background. */
export function inked(p: Page): number {
  let n = 0;
  for (let i = 0; i < p.data.length; i += 3) if (p.data[i] + p.data[i + 1] + p.data[i + 2] < 720) n++;
  return n;
}
