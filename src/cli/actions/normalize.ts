// The work behind `dtc normalize` (declared in ../normalize.ts). A line that cannot be understood gets no
// output line and a message on stderr with its number and reason; the command then exits 1 once every
// other line is done.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { type Format, NormalizeError, normalize, render, toEcs } from '../../normalize/index.ts';

export interface NormalizeCliOptions {
  to: Format;
  instance?: string;
  original?: boolean;
  baseUrl?: string;
}

function write(out: Writable, s: string): Promise<void> | undefined {
  if (out.write(s)) return undefined;
  return new Promise((resolve) => out.once('drain', resolve));
}

/** The command's body, on any streams (the tests drive it directly). Resolves to the exit code. */
export async function runNormalize(
  input: Readable,
  out: Writable,
  err: Writable,
  opts: NormalizeCliOptions,
): Promise<number> {
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  let failed = 0;
  let buf = '';
  for await (const line of rl) {
    n++;
    try {
      const d = normalize(line, { instance: opts.instance, source: 'stdin', baseUrl: opts.baseUrl });
      buf +=
        opts.to === 'ecs' && opts.original
          ? JSON.stringify(toEcs(d, { original: true }))
          : render(d, opts.to);
      buf += '\n';
    } catch (e) {
      failed++;
      const why = e instanceof NormalizeError ? `${e.reason}: ${e.message}` : `error: ${String(e)}`;
      // Flush first so that stdout and stderr interleave in input order when both go to a terminal.
      if (buf) {
        await write(out, buf);
        buf = '';
      }
      err.write(`dtc normalize: line ${n}: ${why}\n`);
    }
    if (buf.length > 65536) {
      await write(out, buf);
      buf = '';
    }
  }
  if (buf) await write(out, buf);
  if (failed > 0) err.write(`dtc normalize: ${failed} of ${n} lines could not be normalised\n`);
  return failed > 0 ? 1 : 0;
}
