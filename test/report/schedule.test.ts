// The report schedule: run times and periods, the config section (one target, the SMTP password a
// secret), and delivery: to a folder, to a webhook, and by e-mail to a real SMTP server started here on
// loopback, which receives the PDF attached after signing the sender in.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportScheduleSpec } from '../../src/report/config.ts';
import { nextRun, periodFor, runScheduledReport, startReportSchedule } from '../../src/report/schedule.ts';
import { SECRET_KEYS, validateConfig } from '../../src/service/config.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { KEY } from '../store/helpers.ts';
import { expectedHeadline } from './expected.ts';
import { DAY, FROM, plan, seed, TO } from './seed.ts';

const HOUR = 3_600_000;
const planned = plan();
let store: Store;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dtc-report-schedule-'));
  store = await openStore({ path: ':memory:', secretKey: KEY, env: {} });
  await seed(store, planned);
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('run times and periods', () => {
  it('runs daily at the hour, weekly on the day at the hour (UTC)', () => {
    const wed = Date.UTC(2026, 11, 9, 10); // Wednesday 10:00
    expect(nextRun({ every: 'daily', day: 'monday', hour: 6 }, wed)).toBe(Date.UTC(2026, 11, 10, 6));
    expect(nextRun({ every: 'daily', day: 'monday', hour: 11 }, wed)).toBe(Date.UTC(2026, 11, 9, 11));
    expect(nextRun({ every: 'weekly', day: 'monday', hour: 6 }, wed)).toBe(Date.UTC(2026, 11, 14, 6));
    expect(nextRun({ every: 'weekly', day: 'wednesday', hour: 10 }, wed)).toBe(Date.UTC(2026, 11, 16, 10));
    expect(nextRun({ every: 'weekly', day: 'sunday', hour: 0 }, wed)).toBe(Date.UTC(2026, 11, 13));
  });

  it('reports on the period that just ended', () => {
    const run = TO + 6 * HOUR;
    expect(periodFor('week', run)).toEqual({ from: FROM, to: TO });
    expect(periodFor('day', run)).toEqual({ from: TO - DAY, to: TO });
    expect(periodFor('30d', run + 1234)).toEqual({ from: run - 30 * DAY, to: run });
  });
});

describe('the reports: config section', () => {
  const base = { name: 'weekly', every: 'weekly', target: { folder: '/var/reports' } };
  it('defaults the range to the schedule and marks the SMTP password secret', () => {
    expect(reportScheduleSpec.parse(base)).toMatchObject({
      range: 'week',
      format: 'pdf',
      day: 'monday',
      hour: 6,
    });
    expect(reportScheduleSpec.parse({ ...base, every: 'daily' }).range).toBe('day');
    expect(SECRET_KEYS).toContain('password');
    const c = validateConfig(
      {
        reports: [
          {
            ...base,
            target: {
              email: {
                smtp: { host: 'smtp.example.com', user: 'dtc', password: '${SMTP_PASSWORD}' },
                from: 'dtc@example.com',
                to: ['ciso@example.com'],
              },
            },
          },
        ],
      },
      { SMTP_PASSWORD: 'hunter2-long' },
    );
    expect(c.reports[0].target.email?.smtp.password).toBe('hunter2-long');
  });

  it('names the bad field', () => {
    const bad = (r: unknown) => () => validateConfig({ reports: [r] }, {});
    expect(bad({ ...base, target: { folder: '/x', webhook: { url: 'http://x' } } })).toThrow(
      /reports\[0\]\.target.*exactly one of folder, webhook or email/,
    );
    expect(bad({ ...base, every: 'hourly' })).toThrow(/reports\[0\]\.every.*daily or weekly/);
    expect(bad({ ...base, range: 'fortnight' })).toThrow(/reports\[0\]\.range/);
    expect(() => validateConfig({ reports: [base, base] }, {})).toThrow(/declared twice/);
  });
});

describe('delivery', () => {
  it('writes into a folder', async () => {
    const folder = join(dir, 'out');
    const s = reportScheduleSpec.parse({ name: 'wk', every: 'weekly', format: 'json', target: { folder } });
    const r = await runScheduledReport(store, s, TO + 6 * HOUR);
    expect(readdirSync(folder)).toEqual(['wk-dtc-report-2026-11-30_2026-12-07.json']);
    expect(r.delivered).toBe(join(folder, 'wk-dtc-report-2026-11-30_2026-12-07.json'));
    const body = JSON.parse(readFileSync(r.delivered, 'utf8'));
    expect(body.headline).toEqual(expectedHeadline(planned, { from: FROM, to: TO }));
  });

  it('POSTs to a webhook, and says when it refuses', async () => {
    const got: { type?: string; body: Buffer }[] = [];
    let status = 200;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        got.push({ type: req.headers['content-type'], body: Buffer.concat(chunks) });
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/reports`;
      const s = reportScheduleSpec.parse({
        name: 'wh',
        every: 'daily',
        format: 'html',
        target: { webhook: { url } },
      });
      await runScheduledReport(store, s, TO + 6 * HOUR);
      expect(got[0].type).toMatch(/^text\/html/);
      expect(got[0].body.toString()).toMatch(/^<!doctype html>/);
      status = 500;
      await expect(runScheduledReport(store, s, TO + 6 * HOUR)).rejects.toThrow(/webhook answered 500/);
    } finally {
      server.close();
    }
  });

  it('the schedule e-mails the PDF through a real SMTP server', { timeout: 120_000 }, async () => {
    const messages: { from?: string; to: string[]; user?: string; data: string }[] = [];
    const smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth(auth, _session, cb) {
        if (auth.username === 'dtc' && auth.password === 'smtp-secret-9') cb(null, { user: auth.username });
        else cb(new Error('bad credentials'));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
            to: session.envelope.rcptTo.map((r) => r.address),
            user: session.user as string | undefined,
            data: Buffer.concat(chunks).toString('latin1'),
          });
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const port = (smtp.server.address() as AddressInfo).port;
    const logs: string[] = [];
    const log = { info: (m: string) => logs.push(m), error: (m: string) => logs.push(`ERROR ${m}`) };
    // The clock reads 150 ms before Monday 06:00 UTC, when the weekly report is due.
    const due = TO + 6 * HOUR;
    const offset = due - 150 - Date.now();
    const s = reportScheduleSpec.parse({
      name: 'exec',
      every: 'weekly',
      day: 'monday',
      hour: 6,
      target: {
        email: {
          smtp: { host: '127.0.0.1', port, tls: 'none', user: 'dtc', password: 'smtp-secret-9' },
          from: 'dtc@example.com',
          to: ['ciso@example.com', 'soc@example.com'],
        },
      },
    });
    const ran = new Promise<{ delivered?: string; error?: Error }>((resolve) => {
      const handle = startReportSchedule(store, [s], {
        log,
        now: () => Date.now() + offset,
        onRun: (_name, r) => {
          resolve(r);
          void handle.stop();
        },
      });
      expect(handle.next()).toEqual({ exec: due });
    });
    try {
      const r = await ran;
      expect(r.error).toBeUndefined();
      expect(messages).toHaveLength(1);
      const m = messages[0];
      expect(m.user).toBe('dtc');
      expect(m.from).toBe('dtc@example.com');
      expect(m.to).toEqual(['ciso@example.com', 'soc@example.com']);
      expect(m.data).toMatch(/^Subject: Executive threat report: 2026-11-30 to 2026-12-07/m);
      // The attachment: its part's headers, a blank line, then base64 up to the next boundary.
      const part =
        /Content-Type: application\/pdf;?[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n([A-Za-z0-9+/=\r\n]+)/.exec(m.data);
      expect(part, 'a PDF part').not.toBeNull();
      expect(m.data).toMatch(/filename=exec-dtc-report-2026-11-30_2026-12-07\.pdf/);
      const pdf = Buffer.from(part![1].replace(/\s+/g, ''), 'base64');
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.length).toBeGreaterThan(10_000);
      expect(logs.join('\n')).toMatch(
        /report\[exec\]: delivered \d+ bytes to ciso@example.com, soc@example.com/,
      );
      expect(logs.join('\n')).not.toContain('smtp-secret-9');
    } finally {
      await new Promise<void>((r) => smtp.close(() => r()));
    }
  });
});
