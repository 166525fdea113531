// The work behind `dtc user …` and `dtc apikey …` (declared in ../access.ts).
import { createInterface } from 'node:readline';
import { AccessControl } from '../../auth/index.ts';
import type { Role } from '../../auth/roles.ts';
import { randomPassword } from '../../auth/secrets.ts';
import { type OutputFlags, outputFormat, printData } from '../output.ts';
import { withStore } from '../store.ts';

interface Flags extends OutputFlags {
  dataDir: string;
  role?: Role;
  passwordStdin?: boolean;
  owner?: string;
  expires?: string;
}

const audit = (
  store: Parameters<Parameters<typeof withStore>[1]>[0],
  command: string,
  params: Record<string, unknown>,
) =>
  store.commandRuns.add({
    who: `cli:${process.env.USER ?? 'unknown'}`,
    instance: null,
    command,
    params,
    outcome: 'Successful',
  });

/** The password from stdin's first line, or typed at a prompt that does not echo. */
async function readPassword(f: Flags, prompt: string): Promise<string | undefined> {
  if (f.passwordStdin) {
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return line.replace(/\r$/, '');
    }
    throw new Error('--password-stdin: stdin was empty');
  }
  if (!process.stdin.isTTY) return undefined;
  process.stderr.write(prompt);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  let typed = '';
  return new Promise((resolve, reject) => {
    const onData = (b: Buffer) => {
      for (const ch of b.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          return resolve(typed);
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          return reject(new Error('cancelled'));
        }
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}

export async function userAdd(name: string, f: Flags): Promise<void> {
  const given = await readPassword(f, `password for ${name}: `);
  const password = given ?? randomPassword();
  await withStore(f.dataDir, async (store) => {
    await new AccessControl(store).addUser(name, password, f.role!);
    await audit(store, 'user.add', { name, role: f.role });
  });
  process.stdout.write(
    given ? `added ${name} (${f.role})\n` : `added ${name} (${f.role}); password: ${password}\n`,
  );
}

export async function userList(f: Flags): Promise<void> {
  await withStore(f.dataDir, async (store) =>
    printData(await new AccessControl(store).listUsers(), outputFormat(f)),
  );
}

export async function userRemove(name: string, f: Flags): Promise<void> {
  await withStore(f.dataDir, async (store) => {
    await new AccessControl(store).removeUser(name);
    await audit(store, 'user.remove', { name });
  });
  process.stdout.write(`removed ${name}\n`);
}

export async function userPasswd(name: string, f: Flags): Promise<void> {
  const password = await readPassword(f, `new password for ${name}: `);
  if (password === undefined)
    throw new Error('give the password on stdin with --password-stdin, or run this on a terminal');
  await withStore(f.dataDir, async (store) => {
    await new AccessControl(store).setPassword(name, password);
    await audit(store, 'user.passwd', { name });
  });
  process.stdout.write(`password of ${name} changed\n`);
}

export async function userRole(name: string, f: Flags): Promise<void> {
  await withStore(f.dataDir, async (store) => {
    await new AccessControl(store).setRole(name, f.role!);
    await audit(store, 'user.role', { name, role: f.role });
  });
  process.stdout.write(`${name} is now ${f.role}\n`);
}

/** `90d`, `12h`, `30m` from now, or an absolute ISO time. */
function expiry(s: string | undefined): number | null {
  if (!s) return null;
  const m = /^(\d+)\s*([dhm])$/.exec(s);
  if (m)
    return Date.now() + Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`--expires ${s}: give an ISO 8601 time or a duration such as 90d`);
  return t;
}

export async function keyCreate(name: string, f: Flags): Promise<void> {
  const created = await withStore(f.dataDir, async (store) => {
    const k = await new AccessControl(store).createApiKey({
      owner: f.owner!,
      name,
      role: f.role!,
      expiresAt: expiry(f.expires),
    });
    await audit(store, 'apikey.create', { id: k.id, name, owner: f.owner, role: f.role });
    return k;
  });
  await printData(created, outputFormat(f));
  if (process.stdout.isTTY) process.stderr.write('keep the key now: it is not shown again\n');
}

export async function keyList(f: Flags): Promise<void> {
  await withStore(f.dataDir, async (store) =>
    printData(await new AccessControl(store).listApiKeys(), outputFormat(f)),
  );
}

export async function keyRevoke(id: string, f: Flags): Promise<void> {
  await withStore(f.dataDir, async (store) => {
    await new AccessControl(store).revokeApiKey(id);
    await audit(store, 'apikey.revoke', { id });
  });
  process.stdout.write(`revoked ${id}\n`);
}
