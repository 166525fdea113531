// `dtc user` and `dtc apikey` on a data directory, as an operator runs them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccessControl } from '../../src/auth/index.ts';
import { openStore } from '../../src/store/index.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'dtc-users-'));
const dtc = (args: string[], input?: string) => {
  const r = spawnSync('node', ['bin/dtc.js', ...args, '--data-dir', dataDir], {
    input,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('dtc user and dtc apikey', () => {
  it('adds, lists, changes and removes users, and makes keys that authenticate until revoked', async () => {
    const admin = dtc(['user', 'add', 'root', '--role', 'admin']);
    expect(admin.code).toBe(0);
    const generated = /password: (\S+)/.exec(admin.out)?.[1];
    expect(generated).toHaveLength(20);
    expect(
      dtc(['user', 'add', 'ana', '--role', 'analyst', '--password-stdin'], 'ana-secret-password\n').code,
    ).toBe(0);
    expect(
      dtc(['user', 'add', 'ana', '--role', 'viewer', '--password-stdin'], 'another-password-1\n').err,
    ).toMatch(/a user named "ana" exists already/);
    expect(dtc(['user', 'add', 'bob', '--role', 'viewer', '--password-stdin'], 'short\n').err).toMatch(
      /at least 12/,
    );
    expect(dtc(['user', 'add', 'eve', '--role', 'boss']).err).toMatch(
      /Allowed choices are viewer, analyst, responder, admin/,
    );
    const list = JSON.parse(dtc(['user', 'list', '-o', 'json']).out);
    expect(list.map((u: { name: string; role: string }) => [u.name, u.role])).toEqual([
      ['ana', 'analyst'],
      ['root', 'admin'],
    ]);
    expect(JSON.stringify(list)).not.toMatch(/scrypt|password/i);

    expect(dtc(['user', 'role', 'ana', '--role', 'responder']).code).toBe(0);
    const created = JSON.parse(
      dtc(['apikey', 'create', 'soar', '--owner', 'ana', '--role', 'responder', '-o', 'json']).out,
    );
    expect(created.key).toMatch(/^dtc_[0-9a-f]{8}_/);
    const keys = dtc(['apikey', 'list', '-o', 'json']).out;
    expect(keys).not.toContain(created.key);
    expect(JSON.parse(keys)[0]).toMatchObject({
      name: 'soar',
      owner: 'ana',
      role: 'responder',
      revokedAt: null,
    });

    let store = await openStore({ dataDir });
    const access = new AccessControl(store);
    expect(await access.authenticateKey(created.key)).toMatchObject({ user: 'ana', role: 'responder' });
    expect((await access.login('ana', 'ana-secret-password', '127.0.0.1')).principal.role).toBe('responder');
    await store.close();

    expect(dtc(['user', 'passwd', 'ana', '--password-stdin'], 'a-new-long-password\n').code).toBe(0);
    expect(dtc(['apikey', 'revoke', created.prefix]).code).toBe(0);
    store = await openStore({ dataDir });
    const after = new AccessControl(store);
    await expect(after.authenticateKey(created.key)).rejects.toThrow(/revoked/);
    await expect(after.login('ana', 'ana-secret-password', '127.0.0.2')).rejects.toThrow(
      /wrong user name or password/,
    );
    expect((await after.login('ana', 'a-new-long-password', '127.0.0.2')).principal.user).toBe('ana');
    const runs = (await store.commandRuns.list(20)).map((r) => r.command);
    expect(runs).toEqual(
      expect.arrayContaining(['user.add', 'user.role', 'apikey.create', 'user.passwd', 'apikey.revoke']),
    );
    await store.close();

    expect(dtc(['user', 'remove', 'root']).err).toMatch(/last admin/);
    expect(dtc(['user', 'remove', 'ana']).code).toBe(0);
    expect(JSON.parse(dtc(['user', 'list', '-o', 'json']).out)).toHaveLength(1);
  }, 120_000);
});
