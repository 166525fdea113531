// The report schedule (`reports:` in the service config): each entry makes its report at its hour
// (UTC), daily or on its weekday, over the period that just ended, and delivers it to a folder, a
// webhook (HTTP POST) or by e-mail (SMTP, the report attached). A failed delivery is logged and tried
// again at the next run; the schedule itself keeps going. The SMTP password is never logged.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../darktrace/index.ts';
import type { Reports } from '../store/reports.ts';
import { DAY_MS } from '../store/reports.ts';
import { parseDuration } from '../util/time.ts';
import { lastFullWeek } from './build.ts';
import { type ReportSchedule, WEEKDAYS } from './config.ts';
import { produceReport, type RenderedReport } from './output.ts';
import type { PdfOptions } from './pdf.ts';

const HOUR_MS = 3_600_000;
/** setTimeout's longest delay; a later run is reached in steps. */
const MAX_TIMER = 2 ** 31 - 1;

/** The first run time after `now` (strictly). */
export function nextRun(s: Pick<ReportSchedule, 'every' | 'day' | 'hour'>, now: number): number {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  for (let d = 0; d <= 8; d++) {
    const at = today + d * DAY_MS + s.hour * HOUR_MS;
    if (at <= now) continue;
    // 1970-01-01 was a Thursday (weekday 4).
    if (s.every === 'weekly' && (Math.floor(at / DAY_MS) + 4) % 7 !== WEEKDAYS.indexOf(s.day)) continue;
    return at;
  }
  throw new Error('unreachable: a weekday recurs within 8 days');
}

/** The period a run at `at` reports on. */
export function periodFor(range: string, at: number): { from: number; to: number } {
  if (range === 'week') return lastFullWeek(at);
  if (range === 'day') {
    const to = Math.floor(at / DAY_MS) * DAY_MS;
    return { from: to - DAY_MS, to };
  }
  // A duration ends at the run's hour, so reruns of the same run cover the same period.
  const to = Math.floor(at / HOUR_MS) * HOUR_MS;
  return { from: to - parseDuration(range), to };
}

export interface DeliverOptions {
  pdf?: PdfOptions;
  /** For the webhook; default the global fetch. */
  fetch?: typeof fetch;
}

/** Where the report went, for the log. */
async function deliver(s: ReportSchedule, out: RenderedReport, o: DeliverOptions): Promise<string> {
  const t = s.target;
  const fileName = `${s.name}-${out.fileName}`;
  if (t.folder) {
    mkdirSync(t.folder, { recursive: true });
    const file = join(t.folder, fileName);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, out.body);
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    return file;
  }
  if (t.webhook) {
    const res = await (o.fetch ?? fetch)(t.webhook.url, {
      method: 'POST',
      headers: {
        ...t.webhook.headers,
        'content-type': out.contentType,
        'content-disposition': `attachment; filename="${fileName}"`,
      },
      body: new Uint8Array(out.body),
      signal: AbortSignal.timeout(60_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`webhook answered ${res.status} ${res.statusText}`);
    return new URL(t.webhook.url).origin;
  }
  if (t.email) {
    const { createTransport } = await import('nodemailer');
    const smtp = t.email.smtp;
    const transport = createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.tls === 'implicit',
      requireTLS: smtp.tls === 'starttls',
      ignoreTLS: smtp.tls === 'none',
      auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
      tls: smtp.insecure ? { rejectUnauthorized: false } : undefined,
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 60_000,
    });
    try {
      const period = fileName.replace(/^.*dtc-report-|\.[a-z]+$/g, '').replace('_', ' to ');
      await transport.sendMail({
        from: t.email.from,
        to: t.email.to,
        subject: t.email.subject ?? `${s.title ?? 'Executive threat report'}: ${period}`,
        text: `The ${s.name} report for ${period} (UTC) is attached (${out.format.toUpperCase()}).\n`,
        attachments: [{ filename: fileName, content: out.body, contentType: out.contentType.split(';')[0] }],
      });
    } finally {
      transport.close();
    }
    return `${t.email.to.join(', ')} via ${smtp.host}:${smtp.port}`;
  }
  throw new Error('the target names no folder, webhook or email');
}

/** Makes one scheduled report for the run at `at` and delivers it. */
export async function runScheduledReport(
  store: { reports: Reports },
  s: ReportSchedule,
  at: number,
  o: DeliverOptions = {},
): Promise<{ delivered: string; bytes: number }> {
  const period = periodFor(s.range, at);
  const out = await produceReport(store, {
    ...period,
    instances: s.instances,
    format: s.format,
    title: s.title,
    now: at,
    pdf: o.pdf,
  });
  return { delivered: await deliver(s, out, o), bytes: out.body.length };
}

export interface ReportScheduleHandle {
  /** Cancels the timers and waits for a run in progress. */
  stop(): Promise<void>;
  /** Each schedule's next run (epoch ms). */
  next(): Record<string, number>;
}

export function startReportSchedule(
  store: { reports: Reports },
  schedules: readonly ReportSchedule[],
  o: DeliverOptions & {
    log: Pick<Logger, 'info' | 'error'>;
    /** The clock (tests move it). */
    now?: () => number;
    /** Called after each run, delivered or not. */
    onRun?: (name: string, r: { delivered?: string; error?: Error }) => void;
  },
): ReportScheduleHandle {
  const now = o.now ?? Date.now;
  const timers = new Map<string, NodeJS.Timeout>();
  const nexts: Record<string, number> = {};
  const running = new Set<Promise<void>>();
  let stopped = false;

  const arm = (s: ReportSchedule, at: number) => {
    nexts[s.name] = at;
    const wait = Math.min(Math.max(at - now(), 0), MAX_TIMER);
    const timer = setTimeout(() => {
      if (stopped) return;
      if (now() < at) return arm(s, at);
      const run = runScheduledReport(store, s, at, o)
        .then((r) => {
          o.log.info(`report[${s.name}]: delivered ${r.bytes} bytes to ${r.delivered}`);
          o.onRun?.(s.name, { delivered: r.delivered });
        })
        .catch((err: Error) => {
          o.log.error(`report[${s.name}]: not delivered: ${err.message}`);
          o.onRun?.(s.name, { error: err });
        })
        .finally(() => {
          running.delete(run);
          if (!stopped) arm(s, nextRun(s, Math.max(at, now())));
        });
      running.add(run);
    }, wait);
    timer.unref?.();
    timers.set(s.name, timer);
  };

  for (const s of schedules) arm(s, nextRun(s, now()));
  return {
    next: () => ({ ...nexts }),
    async stop() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}
