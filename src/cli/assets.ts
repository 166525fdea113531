// `dtc assets export|import`: the device inventory of the stored instances out to an asset system
// (CSV or JSON Lines), and tags, VIPs and subnet labels back from one (a CSV). Declarations here; the
// work is in src/assets/, loaded only when a command runs.
import { type Command, Option } from 'commander';
import { dataDirOption } from './options.ts';

interface ExportFlags {
  dataDir: string;
  instance?: string[];
  format: 'csv' | 'jsonl';
  output?: string;
  since?: string;
  watermark?: string;
  progress?: boolean;
}

interface ImportFlags {
  dataDir: string;
  instance?: string[];
  dryRun?: boolean;
  vipPriority: string;
  json?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim())];

export function registerAssets(program: Command): void {
  const assets = program
    .command('assets')
    .description(
      'export the device inventory to an asset system, import tags, VIPs and subnet labels from one',
    );
  assets
    .command('export')
    .description(
      'every device of every instance (or --instance): hostname, IPs, MAC, vendor, OS, type, tags, subnet',
    )
    .addOption(dataDirOption())
    .option(
      '--instance <names>',
      'only these instances (repeat or comma-separate; default: every enabled one)',
      collect,
    )
    .addOption(new Option('--format <format>', 'csv or JSON Lines').choices(['csv', 'jsonl']).default('csv'))
    .option('-o, --output <file>', 'write to this file (written beside it, then renamed); default stdout')
    .option('--since <time>', 'only devices last seen since then: ISO 8601, epoch ms or an age (24h, 7d)')
    .option(
      '--watermark <file>',
      'incremental: only devices seen after the last run, remembered in this file',
    )
    .option('--no-progress', 'no progress bar (there is none unless stderr is a terminal)')
    .action(async (f: ExportFlags) => exportAction(f));
  assets
    .command('import <csv>')
    .description(
      'apply a CSV: columns did, mac, ip or hostname (to match; with instance), add_tags, remove_tags (;-separated), ' +
        'vip (yes/no) or priority (-5..5), subnet_label',
    )
    .addOption(dataDirOption())
    .option('--instance <names>', 'match rows in these instances (default: every enabled one)', collect)
    .option('--dry-run', 'say what would change, change nothing')
    .option('--vip-priority <n>', 'the device priority that makes a VIP', '5')
    .option('--json', 'print the results as JSON instead of one line a row')
    .action(async (csv: string, f: ImportFlags) => importAction(csv, f));
}

async function exportAction(f: ExportFlags): Promise<void> {
  const { createWriteStream, renameSync, rmSync } = await import('node:fs');
  const { Readable } = await import('node:stream');
  const { pipeline } = await import('node:stream/promises');
  const { parseTime } = await import('../util/time.ts');
  const { exportLines } = await import('../assets/export.ts');
  const { openSources } = await import('../assets/instances.ts');
  const { readWatermark, writeWatermark } = await import('../assets/watermark.ts');
  const { withStore } = await import('./store.ts');
  const since = f.since === undefined ? undefined : parseTime(f.since);
  const after = f.watermark ? readWatermark(f.watermark) : undefined;
  await withStore(f.dataDir, async (store) => {
    const sources = await openSources(store, f.instance);
    const stats = { devices: {} as Record<string, number>, watermark: {} as Record<string, number> };
    const bar = f.progress !== false && process.stderr.isTTY ? await progressBar() : undefined;
    const tmp = f.output ? `${f.output}.${process.pid}.tmp` : undefined;
    try {
      const lines = exportLines(
        sources,
        { format: f.format, since, after, onProgress: (read, total) => bar?.show(read, total) },
        stats,
      );
      await pipeline(Readable.from(lines), tmp ? createWriteStream(tmp) : process.stdout, { end: !!tmp });
      if (tmp && f.output) renameSync(tmp, f.output);
    } catch (e) {
      if (tmp) rmSync(tmp, { force: true });
      throw e;
    } finally {
      bar?.stop();
      await sources.close();
    }
    if (f.watermark) writeWatermark(f.watermark, { ...after, ...stats.watermark });
    const counts = Object.entries(stats.devices).map(([i, n]) => `${i}: ${n}`);
    process.stderr.write(
      `exported ${counts.join(', ') || 'no instances'}${f.output ? ` to ${f.output}` : ''}\n`,
    );
  });
}

async function progressBar() {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { format: 'devices [{bar}] {value}/{total} | {eta_formatted} left', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    show(read: number, total: number) {
      if (!started) bar.start(total, read);
      else bar.setTotal(Math.max(total, read));
      started = true;
      bar.update(read);
    },
    stop: () => started && bar.stop(),
  };
}

async function importAction(csv: string, f: ImportFlags): Promise<void> {
  const { createReadStream, existsSync } = await import('node:fs');
  const { importAssets } = await import('../assets/import.ts');
  const { openSources, storeTarget } = await import('../assets/instances.ts');
  const { withStore } = await import('./store.ts');
  const { userInfo } = await import('node:os');
  if (!existsSync(csv)) throw new Error(`${csv}: no such file`);
  const vipPriority = Number(f.vipPriority);
  if (!Number.isInteger(vipPriority) || vipPriority < 1 || vipPriority > 5)
    throw new Error(`--vip-priority ${f.vipPriority}: use a whole number from 1 to 5`);
  await withStore(f.dataDir, async (store) => {
    const sources = await openSources(store, f.instance);
    try {
      const target = storeTarget(store, sources, `cli:${userInfo().username}`);
      const line = (r: {
        line: number;
        status: string;
        instance?: string;
        did?: number;
        changes: string[];
        message?: string;
      }) =>
        `line ${r.line}: ${r.status}${r.did === undefined ? '' : ` ${r.instance}/${r.did}`}` +
        `${r.changes.length ? ` (${r.changes.join(', ')})` : ''}${r.message ? `: ${r.message}` : ''}\n`;
      const summary = await importAssets(
        createReadStream(csv),
        target,
        { instances: sources.map((s) => s.name), dryRun: f.dryRun, vipPriority },
        f.json ? undefined : (r) => process.stdout.write(line(r)),
      );
      if (f.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else {
        const counts = Object.entries(summary.counts)
          .filter(([, n]) => n > 0)
          .map(([s, n]) => `${n} ${s}`);
        process.stdout.write(
          `${summary.rows} rows${counts.length ? `: ${counts.join(', ')}` : ''}${f.dryRun ? ' (dry run: nothing changed)' : ''}\n`,
        );
      }
      if (summary.counts.failed || summary.counts.invalid) process.exitCode = 2;
    } finally {
      await sources.close();
    }
  });
}
