// file:///path and stdout: one rendered record a line (NDJSON for JSON formats). A file batch is one
// append followed by fsync, so an acked batch survives a crash; a replay appends again (duplicates).
import { mkdirSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SinkItem, SinkModule } from './types.ts';

const lines = (items: SinkItem[]) => {
  let s = '';
  for (const i of items) s += `${i.body}\n`;
  return s;
};

export const fileSink: SinkModule = {
  type: 'file',
  schemes: ['file:'],
  summary: 'appends one record a line to a local file (fsync per batch)',
  example: 'ecs:file:///var/log/darktrace.ndjson',
  fields: [],
  idempotent: false,
  create(url) {
    const path = fileURLToPath(url);
    mkdirSync(dirname(path), { recursive: true });
    let fh: FileHandle | undefined;
    return {
      async write(items) {
        fh ??= await open(path, 'a', 0o640);
        await fh.appendFile(lines(items));
        await fh.sync();
      },
      async close() {
        await fh?.close();
        fh = undefined;
      },
    };
  },
};

export const stdoutSink: SinkModule = {
  type: 'stdout',
  schemes: ['stdout:'],
  summary: 'writes one record a line to standard output',
  example: 'json:stdout:',
  fields: [],
  idempotent: false,
  create(_url, ctx) {
    const out = ctx.stdout ?? process.stdout;
    return {
      write: (items) =>
        new Promise<void>((resolve, reject) => out.write(lines(items), (e) => (e ? reject(e) : resolve()))),
      async close() {},
    };
  },
};
