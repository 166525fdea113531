// A real Request Tracker 5 for the tests: rt-server (the standalone server of Debian's rt5-standalone)
// on a free loopback port, over a COPY of the installed SQLite database with a site config of its own
// (the system's database and config are never touched), with two users added: the connector's
// (`dtc`) and an analyst's (`alice`).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { program } from '../helpers/programs.ts';

const RT_SERVER = '/usr/share/request-tracker5/libexec/rt-server';
const RT_DB = '/var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb';
export const RT_PACKAGES = 'request-tracker5 rt5-db-sqlite rt5-standalone';

/** Whether RT is installed (else the tests skip, saying what to install; under CI=true they fail). */
export const rtInstalled = () => !!program(RT_SERVER, RT_PACKAGES);

export const USERS = { dtc: 'dtc-password-1', alice: 'alice-password-1' };

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface Rt {
  url: string;
  /** A REST 2 call as a user. */
  call(user: keyof typeof USERS | 'root', method: string, path: string, body?: unknown): Promise<any>;
  /** Deletes a ticket for good, with RT's own rt-shredder (a `deleted` status would keep it). */
  shred(id: string): void;
  stop(): Promise<void>;
}

export async function startRt(): Promise<Rt> {
  const dir = mkdtempSync(join(tmpdir(), 'dtc-rt-'));
  const db = join(dir, 'rtdb');
  copyFileSync(RT_DB, db);
  mkdirSync(join(dir, 'site.d'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const site = join(dir, 'RT_SiteConfig.pm');
  writeFileSync(
    site,
    [
      "Set($rtname, 'dtc-test');",
      "Set($Organization, 'dtc-test');",
      "Set($WebDomain, '127.0.0.1');",
      `Set($WebPort, ${port});`,
      "Set($WebPath, '');",
      `Set($WebBaseURL, '${url}');`,
      "Set($DatabaseType, 'SQLite');",
      `Set($DatabaseName, '${db}');`,
      'Set($LogToSyslog, undef);',
      "Set($LogToSTDERR, 'error');",
      "Set($Timezone, 'UTC');",
      '1;',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, RT_SITE_CONFIG: site, RT_SITE_CONFIG_DIR: join(dir, 'site.d') };
  // Users and rights go in through RT's own initial-data loader, into the copy.
  const data = join(dir, 'users.pl');
  writeFileSync(
    data,
    [
      '@Users = (',
      ...Object.entries(USERS).map(
        ([name, pw]) =>
          `  { Name => '${name}', Password => '${pw}', Privileged => 1, EmailAddress => '${name}@example.com' },`,
      ),
      ');',
      `@ACL = (${Object.keys(USERS)
        .map((n) => `{ UserId => '${n}', Right => 'SuperUser' }`)
        .join(', ')});`,
      '1;',
      '',
    ].join('\n'),
  );
  execFileSync('rt-setup-database-5', ['--action', 'insert', '--datafile', data], { env, stdio: 'pipe' });
  const proc: ChildProcess = spawn(RT_SERVER, ['--port', String(port)], {
    env,
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (b) => {
    stderr = (stderr + b).slice(-4000);
  });
  const call: Rt['call'] = async (user, method, path, body) => {
    const pw = user === 'root' ? 'password' : USERS[user];
    const res = await fetch(`${url}/REST/2.0/${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`RT ${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const shred = (id: string) => {
    execFileSync(
      'rt-shredder-5',
      [
        '--force',
        '--sqldump',
        join(dir, `shredded-${id}.sql`),
        '--plugin',
        `Tickets=query,id = ${Number(id)}`,
      ],
      { env, cwd: dir, stdio: 'pipe' },
    );
  };
  const stop = async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 60_000; ; ) {
    if (proc.exitCode !== null) throw new Error(`rt-server exited (${proc.exitCode}): ${stderr}`);
    try {
      await call('dtc', 'GET', 'queues/all');
      return { url, call, shred, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`rt-server did not answer on ${url} within 60 s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}
