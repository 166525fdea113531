// Key rotation over real files: two store handles on one data directory stand for a running service
// and `dtc secrets rotate`. The service's handle keeps decrypting through the rotation, nothing under
// the old key is left in the database files, and key files are 0600.
import { chmodSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretError, type Store } from '../../src/store/index.ts';
import { finishRotation, rotateSecretKey, secretsStatus } from '../../src/store/rotate.ts';
import { keyId } from '../../src/store/secrets.ts';
import { DIALECTS, useTempStores } from './helpers.ts';

const TOKEN = 'prod-private-token-8d1f0c';
const PROXY_PASSWORD = 'proxy-pass-51c7e2';
const prod = {
  name: 'prod',
  url: 'https://dt.example',
  publicToken: 'pub',
  privateToken: TOKEN,
  proxy: `http://squid:${PROXY_PASSWORD}@proxy.example:3128`,
};
const K0 = 'a'.repeat(64);
const K1 = 'b'.repeat(64);

const statSafe = (p: string) => {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
};
const mode = (p: string) => statSync(p).mode & 0o777;

describe.each(DIALECTS)('dtc secrets rotate (store) (%s)', (dialect) => {
  const t = useTempStores(dialect);
  /**
   * What the database keeps: on SQLite the file and its -wal as bytes in one string (what secure_delete
   * and the checkpoint must clear); on PostgreSQL, whose files belong to the server, the secret tables' rows.
   */
  const dbBytes = async (s: Store) =>
    dialect === 'sqlite'
      ? ['', '-wal']
          .map((x) => (statSafe(`${s.path}${x}`) ? readFileSync(`${s.path}${x}`, 'latin1') : ''))
          .join('')
      : JSON.stringify([
          await t.sql(s, 'SELECT * FROM instances ORDER BY name'),
          await t.sql(s, 'SELECT * FROM secret_keys ORDER BY id'),
        ]);

  it('re-encrypts every secret under a new key file while another handle keeps working', async () => {
    const dir = t.dir();
    const service = await t.open({ dataDir: dir });
    await service.instances.add(prod);
    const oldId = keyId(Buffer.from(readFileSync(join(dir, 'secret.key'), 'utf8').trim(), 'hex'));
    expect(await dbBytes(service)).toContain(`v2:${oldId}:`);

    const cli = await t.open({ dataDir: dir });
    const r = await rotateSecretKey(cli, { dataDir: dir, env: {} });
    expect(r).toMatchObject({ from: { id: oldId }, reencrypted: 2, wrapped: false, checkpointed: true });
    expect(r.to.id).not.toBe(oldId);
    // The key files: the new key in secret.key, the old one kept in secret.key.previous, both 0600.
    expect(mode(join(dir, 'secret.key'))).toBe(0o600);
    expect(mode(join(dir, 'secret.key.previous'))).toBe(0o600);
    expect(keyId(Buffer.from(readFileSync(join(dir, 'secret.key'), 'utf8').trim(), 'hex'))).toBe(r.to.id);

    // The "service" loaded the old key before; it reads the new one when a value names it.
    expect(await service.instances.privateToken('prod')).toBe(TOKEN);
    expect(await service.instances.proxyUrl('prod')).toBe(`${prod.proxy}/`);
    // What it encrypts from now on is under the new key too.
    await service.instances.update('prod', { privateToken: `${TOKEN}-2` });
    expect((await service.secrets.list()).map((s) => s.keyId)).toEqual([r.to.id, r.to.id]);

    // No ciphertext under the old key anywhere in the files (secure_delete, WAL truncated).
    const bytes = await dbBytes(cli);
    expect(bytes).not.toContain(`v2:${oldId}:`);
    expect(bytes).toContain(`v2:${r.to.id}:`);
    expect(bytes).not.toContain(TOKEN);
    expect(bytes).not.toContain(PROXY_PASSWORD);

    const st = await secretsStatus(cli, { dataDir: dir });
    expect(st).toMatchObject({ oldKeyNeeded: false, canFinish: true, current: { id: r.to.id } });
    expect(st.keys).toEqual([
      { id: r.to.id, source: join(dir, 'secret.key'), current: true, secrets: 2 },
      { id: oldId, source: `${join(dir, 'secret.key.previous')}:2`, current: false, secrets: 0 },
    ]);
    expect(st.advice).toMatch(/old key is no longer needed; `dtc secrets rotate --finish` deletes it/);
    expect(JSON.stringify(st)).not.toMatch(new RegExp(`${TOKEN}|${PROXY_PASSWORD}`));

    expect(await finishRotation(cli, { dataDir: dir })).toEqual({
      removed: [join(dir, 'secret.key.previous')],
      wrappedDropped: 0,
    });
    expect(statSafe(join(dir, 'secret.key.previous'))).toBeUndefined();
    expect(await service.instances.privateToken('prod')).toBe(`${TOKEN}-2`);
    expect((await secretsStatus(cli, { dataDir: dir })).advice).toBe(
      'every secret is under the current key; no old key is kept',
    );
  });

  it('takes the new key from --new-key-file (refused unless 0600) and re-encrypts values from before key ids', async () => {
    const dir = t.dir();
    const s = await t.open({ dataDir: dir, env: {} });
    await s.instances.add(prod);
    // A value written by an older dtc: `v1:` without a key id.
    const [v2] = (await t.sql(s, 'SELECT private_token_enc AS v FROM instances')) as { v: string }[];
    await t.sql(s, 'UPDATE instances SET private_token_enc = ?', [
      `v1:${v2.v.split(':').slice(2).join(':')}`,
    ]);
    expect((await s.secrets.list()).find((x) => x.kind === 'private_token')?.keyId).toBeNull();
    expect(await s.instances.privateToken('prod')).toBe(TOKEN);

    const keyFile = join(t.dir(), 'new.key');
    writeFileSync(keyFile, `${K1}\n`, { mode: 0o644 });
    await expect(rotateSecretKey(s, { dataDir: dir, env: {}, newKeyFile: keyFile })).rejects.toThrow(
      `the new key file ${keyFile} is readable by group or others (mode 0644); run \`chmod 600 ${keyFile}\``,
    );
    await expect(
      rotateSecretKey(s, { dataDir: dir, env: {}, newKeyFile: `${keyFile}.nope` }),
    ).rejects.toThrow(/does not exist; create it with `openssl rand -hex 32 >/);
    chmodSync(keyFile, 0o600);
    const r = await rotateSecretKey(s, { dataDir: dir, env: {}, newKeyFile: keyFile });
    expect(r.to.id).toBe(keyId(Buffer.from(K1, 'hex')));
    expect((await s.secrets.list()).map((x) => x.keyId)).toEqual([r.to.id, r.to.id]);
    expect(await dbBytes(s)).not.toMatch(/v1:/);
  });

  it('from DTC_SECRET_KEY: the new key is kept wrapped in the store until services restart, then --finish', async () => {
    const dir = t.dir();
    const oldEnv = { DTC_SECRET_KEY: K0 };
    const service = await t.open({ dataDir: dir, env: oldEnv });
    await service.instances.add(prod);
    const cli = await t.open({ dataDir: dir, env: oldEnv });
    await expect(rotateSecretKey(cli, { dataDir: dir, env: oldEnv })).rejects.toThrow(
      /the current key comes from DTC_SECRET_KEY, so dtc does not write the new one to a file: give it in DTC_NEW_SECRET_KEY or with --new-key-file/,
    );
    const r = await rotateSecretKey(cli, { dataDir: dir, env: { ...oldEnv, DTC_NEW_SECRET_KEY: K1 } });
    expect(r).toMatchObject({ wrapped: true, wrote: [], to: { source: 'DTC_NEW_SECRET_KEY' } });
    expect(statSafe(join(dir, 'secret.key'))).toBeUndefined(); // no key written to disk

    // The service still has only K0 in its environment: it unwraps K1 from the store.
    expect(await service.instances.privateToken('prod')).toBe(TOKEN);
    await service.instances.update('prod', { privateToken: `${TOKEN}-3` });
    expect((await service.secrets.list()).every((x) => x.keyId === r.to.id)).toBe(true);

    // Finishing from a process that still runs with the old key would strand it: refused.
    await expect(finishRotation(cli, { dataDir: dir })).rejects.toThrow(
      /this process runs with the old DTC_SECRET_KEY .* restart every service with DTC_SECRET_KEY set to the new key.*nothing was deleted/,
    );
    const restarted = await t.open({ dataDir: dir, env: { DTC_SECRET_KEY: K1 } });
    expect(await secretsStatus(restarted, { dataDir: dir })).toMatchObject({
      canFinish: true,
      oldKeyNeeded: false,
    });
    expect(await finishRotation(restarted, { dataDir: dir })).toEqual({ removed: [], wrappedDropped: 1 });
    expect(await restarted.instances.privateToken('prod')).toBe(`${TOKEN}-3`);
    expect(await dbBytes(restarted)).not.toContain(`v2:${keyId(Buffer.from(K0, 'hex'))}:`);
  });

  it('a missing or wrong key stops the rotation before anything changes, saying what to do', async () => {
    const dir = t.dir();
    const s = await t.open({ dataDir: dir });
    await s.instances.add(prod);
    const before = await dbBytes(s);
    unlinkSync(join(dir, 'secret.key')); // lost: a new one would be made, which opens nothing
    let err: unknown;
    try {
      await rotateSecretKey(s, { dataDir: dir, env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SecretError);
    expect((err as SecretError).code).toBe('unknown_key');
    expect((err as Error).message).toMatch(
      /^the (private token|proxy password) of instance prod was encrypted with key [0-9a-f]{16}, which this process does not have \(it has [0-9a-f]{16} \(.*secret\.key\)\); set DTC_SECRET_KEY to that key, or put it in secret\.key\.previous in the data directory, or /,
    );
    expect(statSafe(join(dir, 'secret.key.previous'))).toBeUndefined();
    expect(await dbBytes(s)).toBe(before);
    expect((await secretsStatus(s, { dataDir: dir })).advice).toMatch(
      /under a key this process does not have/,
    );
  });
});
