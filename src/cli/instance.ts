// `dtc instance add|list|show|update|remove|test` and `dtc backfill`: manage the Darktrace instances in
// the store (the same one `dtc start` uses) and fill their history. Private tokens are write-only.
import cliProgress from 'cli-progress';
import { type Command, Option } from 'commander';
import { checkConnection } from '../collect/health.ts';
import { storeIngest } from '../collect/ingest.ts';
import { InstancePoller, STREAMS } from '../collect/poller.ts';
import { PreparePool } from '../collect/prepare-pool.ts';
import { DarktraceClient } from '../darktrace/index.ts';
import { instanceSchema } from '../service/config.ts';
import { instanceInput, instanceRecord } from '../service/instances.ts';
import type { Store } from '../store/index.ts';
import { parseDuration, parseTime } from '../util/time.ts';
import { dataDirOption, withStore } from './store.ts';

const print = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);

/** Flags shared by add and update; undefined means "not given". */
function instanceFlags(cmd: Command, required: boolean): Command {
  const req = (o: Option) => (required ? o.makeOptionMandatory() : o);
  return (
    cmd
      .addOption(req(new Option('--url <url>', 'appliance base URL')))
      .addOption(req(new Option('--public-token <token>', 'API public token')))
      // Only `add` reads DTC_PRIVATE_TOKEN: an exported variable must not silently replace a stored token
      // on an unrelated `update`.
      .addOption(
        required
          ? req(
              new Option('--private-token <token>', 'API private token (stored encrypted)').env(
                'DTC_PRIVATE_TOKEN',
              ),
            )
          : new Option('--private-token <token>', 'new API private token (stored encrypted)'),
      )
      .option('--poll-interval <seconds>', 'seconds between polls (default 300)')
      .option('--lookback <duration>', 'first-fetch look-back, e.g. 24h (default 24h)')
      .option('--min-score <0-1>', 'minimum breach score (default 0)')
      .option('--max-items <n>', 'maximum records per poll')
      .option('--insecure', 'skip TLS verification')
      .option('--ca-file <path>', 'PEM CA bundle for the appliance certificate')
      .option('--proxy <url>', 'HTTP(S) proxy')
      .option('--disable', 'keep the instance but do not poll it')
      .option('--enable', 'poll the instance')
  );
}

function patchFromFlags(f: Record<string, any>): Record<string, unknown> {
  const num = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got "${v}"`);
    return n;
  };
  const patch: Record<string, unknown> = {
    url: f.url,
    publicToken: f.publicToken,
    privateToken: f.privateToken,
    pollIntervalSeconds: num(f.pollInterval, '--poll-interval'),
    lookbackHours: f.lookback === undefined ? undefined : parseDuration(f.lookback) / 3_600_000,
    minScore: num(f.minScore, '--min-score'),
    maxItemsPerPoll: num(f.maxItems, '--max-items'),
    tls: f.insecure || f.caFile ? { insecure: !!f.insecure, caFile: f.caFile } : undefined,
    proxy: f.proxy,
    enabled: f.disable ? false : f.enable ? true : undefined,
  };
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
}

/** Validates with the same schema as the config file, so both paths give the same messages. */
function validate(candidate: Record<string, unknown>) {
  const r = instanceSchema.safeParse(candidate);
  if (!r.success) {
    const lines = r.error.issues.map(
      (i) => `--${String(i.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${i.message}`,
    );
    throw new Error(`invalid instance:\n  - ${lines.join('\n  - ')}`);
  }
  return r.data;
}

export function registerInstance(program: Command): void {
  const inst = program.command('instance').description('manage the Darktrace instances the collector polls');

  instanceFlags(
    inst
      .command('add')
      .description('add an instance')
      .requiredOption('--name <name>', 'a short name, e.g. prod'),
    true,
  )
    .addOption(dataDirOption())
    .action(async (f) =>
      withStore(f.dataDir, (store) => {
        if (store.instances.get(f.name))
          throw new Error(`an instance named "${f.name}" exists: use dtc instance update`);
        const i = validate({ name: f.name, ...patchFromFlags(f) });
        store.instances.add(instanceInput(i));
        print(store.instances.get(f.name));
      }),
    );

  inst
    .command('list')
    .description('list instances (never their private tokens)')
    .addOption(dataDirOption())
    .action(async (f) =>
      withStore(f.dataDir, (store) => {
        print(store.instances.list());
      }),
    );

  inst
    .command('show')
    .argument('<name>')
    .description('show one instance and its last connection checks')
    .addOption(dataDirOption())
    .action(async (name: string, f) =>
      withStore(f.dataDir, (store) => {
        const i = store.instances.get(name);
        if (!i) throw new Error(`no instance named "${name}": see dtc instance list`);
        print({ ...i, connectionChecks: store.connectionChecks.list(name, 10) });
      }),
    );

  instanceFlags(inst.command('update').argument('<name>').description('change an instance'), false)
    .addOption(dataDirOption())
    .action(async (name: string, f) =>
      withStore(f.dataDir, (store) => {
        const current = store.instances.get(name);
        if (!current) throw new Error(`no instance named "${name}": see dtc instance list`);
        const patch = patchFromFlags(f);
        // Validate the merged result; the stored private token stands in when none is given.
        validate({
          name,
          url: current.url,
          publicToken: current.publicToken,
          privateToken: 'unchanged',
          pollIntervalSeconds: current.pollIntervalS,
          lookbackHours: current.lookbackS / 3600,
          ...patch,
        });
        const { pollIntervalSeconds, lookbackHours, tls, ...rest } = patch as Record<string, any>;
        store.instances.update(name, {
          ...rest,
          ...(pollIntervalSeconds === undefined ? {} : { pollIntervalS: pollIntervalSeconds }),
          ...(lookbackHours === undefined ? {} : { lookbackS: lookbackHours * 3600 }),
          ...(tls === undefined ? {} : { tls: { insecure: tls.insecure, caFile: tls.caFile ?? null } }),
        });
        print(store.instances.get(name));
      }),
    );

  inst
    .command('remove')
    .argument('<name>')
    .description('remove an instance (its stored detections stay)')
    .addOption(dataDirOption())
    .action(async (name: string, f) =>
      withStore(f.dataDir, (store) => {
        if (!store.instances.get(name)) throw new Error(`no instance named "${name}": see dtc instance list`);
        store.instances.remove(name);
        process.stderr.write(`removed instance "${name}"\n`);
      }),
    );

  inst
    .command('test')
    .argument('<name>')
    .description('check the connection and the tokens (GET /status), and record the result')
    .addOption(dataDirOption())
    .action(async (name: string, f) =>
      withStore(f.dataDir, async (store) => {
        const rec = instanceRecord(store, name);
        if (!rec) throw new Error(`no instance named "${name}": see dtc instance list`);
        const result = await checkConnection(rec);
        store.connectionChecks.add({
          instance: name,
          ok: result.ok,
          latencyMs: result.latencyMs,
          error: result.error ?? null,
        });
        print(result);
        if (!result.ok) process.exitCode = 1;
      }),
    );

  program
    .command('backfill')
    .description('fetch the history of an instance into the store, resuming where a previous run stopped')
    .requiredOption('--instance <name>', 'instance name')
    .option('--since <time>', 'how far back: 30d, 12h, an ISO time or epoch ms', '7d')
    .option('--streams <list>', 'modelbreaches,aianalyst', 'modelbreaches,aianalyst')
    .option('--stats', 'add the run time and peak memory to the summary')
    .option('--workers <n>', 'worker threads that fetch and normalise windows (0 = none)', '2')
    .addOption(dataDirOption())
    .action(async (f) =>
      withStore(f.dataDir, async (store) => {
        const rec = instanceRecord(store, f.instance);
        if (!rec) throw new Error(`no instance named "${f.instance}": see dtc instance list`);
        const since = parseTime(f.since);
        const streams = String(f.streams)
          .split(',')
          .map((s) => s.trim());
        for (const s of streams) {
          if (!STREAMS.some((x) => x.name === s))
            throw new Error(`--streams: unknown stream "${s}" (modelbreaches, aianalyst)`);
        }
        const workers = Number(f.workers);
        if (!Number.isInteger(workers) || workers < 0 || workers > 16)
          throw new Error(`--workers must be 0 to 16, got "${f.workers}"`);
        await backfill(store, rec, since, streams as ('modelbreaches' | 'aianalyst')[], !!f.stats, workers);
      }),
    );
}

async function backfill(
  store: Store,
  rec: NonNullable<ReturnType<typeof instanceRecord>>,
  since: number,
  streams: ('modelbreaches' | 'aianalyst')[],
  stats: boolean,
  workers: number,
) {
  const client = new DarktraceClient(rec);
  const warn = (m: string) => process.stderr.write(`warning: ${m}\n`);
  const pool =
    workers > 0 ? new PreparePool(rec, rec.name, workers, { warn, error: warn }, rec.minScore) : undefined;
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: '{stream} [{bar}] {percentage}% | {items} items | {rate}/s | ETA {eta_formatted}',
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const started = Date.now();
  let lastLine = 0;
  let current = '';
  const poller = new InstancePoller({
    instance: rec.name,
    client,
    ingest: storeIngest(store),
    log: {
      info: () => {},
      warn: (m) => process.stderr.write(`warning: ${m}\n`),
      error: (m) => process.stderr.write(`error: ${m}\n`),
    },
    lookbackMs: rec.lookbackHours * 3_600_000,
    // Quarter-hour windows keep each worker's heap small (peak RSS is a budget) at no cost in speed.
    maxWindowMs: 15 * 60_000,
    minScore: rec.minScore,
    ...(pool ? { prepare: pool.prepare, concurrency: workers + 1 } : {}),
  });
  try {
    const report = await poller.backfill(since, {
      streams,
      signal: abort.signal,
      progress: ({ stream, done, total, items }) => {
        const pct = total > 0 ? (100 * done) / total : 100;
        const rate = Math.round(items / Math.max(0.001, (Date.now() - started) / 1000));
        if (bar) {
          if (stream !== current) {
            if (current) bar.stop();
            bar.start(100, 0, { stream, items: 0, rate: 0 });
            current = stream;
          }
          bar.update(Math.round(pct * 10) / 10, { stream, items, rate });
        } else if (Date.now() - lastLine > 2000 || done >= total) {
          lastLine = Date.now();
          const eta =
            pct > 0 && pct < 100 ? Math.round(((Date.now() - started) / 1000) * ((100 - pct) / pct)) : 0;
          process.stderr.write(
            `backfill ${rec.name} ${stream}: ${pct.toFixed(1)}% ${items} items ${rate}/s eta ${eta}s\n`,
          );
        }
      },
    });
    bar?.stop();
    const summary = Object.fromEntries(
      Object.entries(report).map(([k, r]) => [
        k,
        {
          fetched: r.fetched,
          new: r.new,
          updated: r.updated,
          duplicates: r.duplicates,
          rejected: r.rejected,
        },
      ]),
    );
    print({
      instance: rec.name,
      since: new Date(since).toISOString(),
      interrupted: abort.signal.aborted,
      ...summary,
      ...(stats
        ? {
            stats: {
              seconds: (Date.now() - started) / 1000,
              maxRssMb: process.resourceUsage().maxRSS / 1024,
            },
          }
        : {}),
    });
    if (abort.signal.aborted) process.exitCode = 130;
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await pool?.close();
    await client.close();
  }
}
