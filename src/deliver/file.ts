// file:///path and stdout: one rendered record a line (NDJSON for JSON formats). A file batch is one
// append followed by fsync, so an acked batch survives a crash; a replay appends again (duplicates).
//
// The file only ever holds whole lines. A crash mid-append (kill -9, power loss) can leave a last line
// without its newline; its batch was never acknowledged, so its offset did not move and it is sent
// again. Opening the file therefore cuts such a torn tail before appending, instead of gluing the next
// record onto it. A failed append (ENOSPC, EIO) is cut back the same way before it is retried.
import { mkdirSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { BatchError, defineSink, SinkError, type SinkItem } from './types.ts';

const NL = 0x0a;
const CHUNK = 64 * 1024;

const lines = (items: SinkItem[]) => {
  let s = '';
  for (const i of items) s += `${i.body}\n`;
  return s;
};

/**
 * Where the file's last whole line ends: its size when empty or ending in a newline, else the byte
 * after the last newline (0 when there is none), read backwards a chunk at a time.
 */
export async function wholeLinesEnd(fh: FileHandle): Promise<number> {
  const { size } = await fh.stat();
  if (size === 0) return 0;
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, size));
  let end = size;
  while (end > 0) {
    const len = Math.min(buf.length, end);
    const { bytesRead } = await fh.read(buf, 0, len, end - len);
    const at = buf.subarray(0, bytesRead).lastIndexOf(NL);
    if (at >= 0) return end - len + at + 1;
    end -= len;
  }
  return 0;
}

/**
 * Opens `path` for appending with any torn tail cut off; `onCut` hears how many bytes went.
 * (`a+`: appends always go to the end, and reading the tail needs read access.)
 */
export async function openWholeLines(path: string, onCut?: (bytes: number) => void): Promise<FileHandle> {
  const fh = await open(path, 'a+', 0o640);
  try {
    const { size } = await fh.stat();
    const keep = await wholeLinesEnd(fh);
    if (keep < size) {
      await fh.truncate(keep);
      await fh.sync();
      onCut?.(size - keep);
    }
    return fh;
  } catch (err) {
    await fh.close().catch(() => {});
    throw err;
  }
}

export const fileSink = defineSink({
  type: 'file',
  schemes: ['file:'],
  summary: 'appends one record a line to a local file (fsync per batch; a torn last line is cut on open)',
  example: 'ecs:file:///var/log/darktrace.ndjson',
  idempotent: false,
  options: z.strictObject({}),
  create(url, _options, ctx) {
    const path = fileURLToPath(url);
    mkdirSync(dirname(path), { recursive: true });
    let fh: FileHandle | undefined;
    const cut = (bytes: number) =>
      ctx.log?.warn(
        `sink[${ctx.name}]: cut a torn last line of ${bytes} bytes from ${path} ` +
          '(an append interrupted by a crash; its records are delivered again)',
        { sink: ctx.name, path, bytes },
      );
    return {
      async write(items) {
        // A record with a line break would become two lines: refuse it (a renderer bug), keep the rest.
        const failed = new Map<number, SinkError>();
        items.forEach((i, n) => {
          if (i.body.includes('\n'))
            failed.set(n, new SinkError(`record ${i.key} has a line break: not one line`, 'dead_letter'));
        });
        const good = failed.size ? items.filter((_, n) => !failed.has(n)) : items;
        if (good.length) {
          fh ??= await openWholeLines(path, cut);
          const before = (await fh.stat()).size;
          try {
            await fh.appendFile(lines(good));
            await fh.sync();
          } catch (err) {
            // Leave whole lines behind: cut what this append wrote, or reopen (and cut) next time.
            const h = fh;
            await h.truncate(before).catch(async () => {
              fh = undefined;
              await h.close().catch(() => {});
            });
            throw new SinkError(`file ${path}: ${(err as Error).message}`, 'retry', undefined, {
              cause: err,
            });
          }
        }
        if (failed.size) throw new BatchError(`${failed.size} of ${items.length} records refused`, failed);
      },
      async close() {
        await fh?.close();
        fh = undefined;
      },
    };
  },
});

export const stdoutSink = defineSink({
  type: 'stdout',
  schemes: ['stdout:'],
  summary: 'writes one record a line to standard output',
  example: 'json:stdout:',
  idempotent: false,
  options: z.strictObject({}),
  create(_url, _options, ctx) {
    const out = ctx.stdout ?? process.stdout;
    return {
      write: (items) =>
        new Promise<void>((resolve, reject) => out.write(lines(items), (e) => (e ? reject(e) : resolve()))),
      async close() {},
    };
  },
});
