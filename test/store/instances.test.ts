import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretError, StoreError } from '../../src/store/index.ts';
import { decryptSecret, encryptSecret, keyId, parseSecretKey } from '../../src/store/secrets.ts';
import { DIALECTS, KEY, useTempStores } from './helpers.ts';

const TOKEN = 'PRIVATE-7f3a9c-do-not-leak';
const demo = {
  name: 'prod',
  url: 'https://dt.example.com',
  publicToken: 'pub-123',
  privateToken: TOKEN,
};

describe.each(DIALECTS)('store: instances (%s)', (dialect) => {
  const t = useTempStores(dialect);

  it('add, list, get, update and remove, with defaults', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    const a = await s.instances.add(demo);
    expect(a).toMatchObject({
      name: 'prod',
      url: 'https://dt.example.com',
      publicToken: 'pub-123',
      pollIntervalSeconds: 300,
      lookbackHours: 24,
      minScore: null,
      maxItemsPerPoll: null,
      tls: { insecure: false, caFile: null },
      proxy: null,
      enabled: true,
      checkIntervalMinutes: null,
      simulated: false,
    });
    await s.instances.add({
      ...demo,
      name: 'demo',
      simulated: true,
      tls: { insecure: true },
      checkIntervalMinutes: 15,
    });
    expect((await s.instances.list()).map((i) => i.name)).toEqual(['demo', 'prod']);
    expect(await s.instances.get('demo')).toMatchObject({
      simulated: true,
      tls: { insecure: true, caFile: null },
      checkIntervalMinutes: 15,
    });
    await expect(s.instances.add(demo)).rejects.toThrow(StoreError);
    await expect(s.instances.add(demo)).rejects.toThrow(/already exists/);
    await expect(s.instances.add({ ...demo, name: 'bad name/x' })).rejects.toThrow(/instance name/);

    const u = await s.instances.update('prod', {
      pollIntervalSeconds: 60,
      minScore: 0.5,
      maxItemsPerPoll: 1000,
      tls: { caFile: '/etc/dt-ca.pem' },
      proxy: 'http://proxy:3128',
      enabled: false,
    });
    expect(u).toMatchObject({
      pollIntervalSeconds: 60,
      minScore: 0.5,
      maxItemsPerPoll: 1000,
      tls: { insecure: false, caFile: '/etc/dt-ca.pem' },
      proxy: 'http://proxy:3128',
      enabled: false,
      url: 'https://dt.example.com',
    });
    expect(u.updatedAt).toBeGreaterThanOrEqual(a.updatedAt);
    await expect(s.instances.update('nope', { enabled: true })).rejects.toThrow(/no instance named "nope"/);
    await expect(s.instances.update('prod', { pollIntervalSeconds: 0 })).rejects.toThrow(
      /pollIntervalSeconds/,
    );

    await s.cursors.set('prod', 'breaches', { windows: [] });
    await s.connectionChecks.add({ instance: 'prod', ok: true, latencyMs: 12 });
    expect(await s.instances.remove('prod')).toBe(true);
    expect(await s.instances.remove('prod')).toBe(false);
    expect(await s.instances.get('prod')).toBeUndefined();
    expect(await s.cursors.get('prod', 'breaches')).toBeUndefined();
    expect(await s.connectionChecks.list('prod')).toEqual([]);
  });

  it('never returns the private token from list or get, and encrypts it at rest', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.instances.add(demo);
    const shown = JSON.stringify([await s.instances.list(), await s.instances.get('prod')]);
    expect(shown).not.toContain(TOKEN);
    expect(shown).not.toMatch(/private|v[12]:/i);

    const [row] = await t.sql(s, "SELECT * FROM instances WHERE name = 'prod'");
    expect(JSON.stringify(row)).not.toContain(TOKEN);
    expect(String(row.private_token_enc)).toMatch(
      /^v2:[0-9a-f]{16}:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/,
    );
    // The whole file, WAL included, holds no plaintext token (a PostgreSQL server's files are its own).
    for (const f of dialect === 'sqlite' ? [s.path, `${s.path}-wal`] : []) {
      try {
        expect(readFileSync(f).includes(TOKEN)).toBe(false);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    expect(await s.instances.privateToken('prod')).toBe(TOKEN);
  });

  it('re-encrypts on update and decrypts after a reopen with the same key', async () => {
    const dir = t.dir();
    const a = await t.open({ dataDir: dir, secretKey: KEY });
    await a.instances.add(demo);
    await a.instances.update('prod', { privateToken: 'rotated' });
    await t.close(a);
    const b = await t.open({ dataDir: dir, secretKey: KEY });
    expect(await b.instances.privateToken('prod')).toBe('rotated');
    await expect(b.instances.privateToken('nope')).rejects.toThrow(/no instance named/);
  });

  it('says clearly that the key changed when it cannot decrypt', async () => {
    const dir = t.dir();
    const a = await t.open({ dataDir: dir, secretKey: KEY });
    await a.instances.add(demo);
    await t.close(a);
    const b = await t.open({ dataDir: dir, secretKey: Buffer.alloc(32, 9) });
    expect(await b.instances.list()).toHaveLength(1); // listing needs no key
    let err: unknown;
    try {
      await b.instances.privateToken('prod');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SecretError);
    // The value names its key, so the error says which key is missing and where keys come from.
    expect((err as SecretError).code).toBe('unknown_key');
    expect((err as Error).message).toBe(
      `the private token of instance prod was encrypted with key ${keyId(KEY)}, which this process does not ` +
        `have (it has ${keyId(Buffer.alloc(32, 9))} (the key given to the store)); set DTC_SECRET_KEY to that key, ` +
        'or put it in secret.key.previous in the data directory, or re-enter the token with ' +
        '`dtc instance update prod --private-token ...`',
    );
  });

  it('binds a ciphertext to its instance: copied onto another row it does not decrypt', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.instances.add(demo);
    await s.instances.add({ ...demo, name: 'other', privateToken: 'other-token' });
    await t.sql(
      s,
      "UPDATE instances SET private_token_enc = (SELECT private_token_enc FROM instances WHERE name = 'prod') WHERE name = 'other'",
    );
    await expect(s.instances.privateToken('other')).rejects.toThrow(SecretError);
  });
});

describe.each(DIALECTS)('store: secret key (%s)', (dialect) => {
  const t = useTempStores(dialect);

  it('creates <dataDir>/secret.key with mode 0600 on first use and reuses it', async () => {
    const dir = t.dir();
    const a = await t.open({ dataDir: dir });
    const keyFile = join(dir, 'secret.key');
    expect(() => statSync(keyFile)).toThrow(); // not before a secret is needed
    await a.instances.add(demo);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    await t.close(a);
    const b = await t.open({ dataDir: dir });
    expect(await b.instances.privateToken('prod')).toBe(TOKEN);
  });

  it('refuses a key file that group or others can read, saying how to fix it', async () => {
    const dir = t.dir();
    const keyFile = join(dir, 'secret.key');
    writeFileSync(keyFile, `${'ab'.repeat(32)}\n`);
    chmodSync(keyFile, 0o644);
    const s = await t.open({ dataDir: dir });
    await expect(s.instances.add(demo)).rejects.toThrow(`run \`chmod 600 ${keyFile}\``);
    await expect(s.instances.add(demo)).rejects.toThrow(/mode 0644/);
    chmodSync(keyFile, 0o600);
    expect((await s.instances.add(demo)).name).toBe('prod');
  });

  it('takes DTC_SECRET_KEY as hex or base64 and names the variable when it is malformed', async () => {
    const hex = 'cd'.repeat(32);
    expect(parseSecretKey(hex)).toEqual(Buffer.from(hex, 'hex'));
    expect(parseSecretKey(Buffer.alloc(32, 1).toString('base64'))).toEqual(Buffer.alloc(32, 1));
    for (const bad of ['abc', 'cd'.repeat(31), Buffer.alloc(16).toString('base64'), 'not a key at all!']) {
      expect(() => parseSecretKey(bad)).toThrow(
        /^DTC_SECRET_KEY must be 64 hex characters or the base64 of 32 bytes/,
      );
    }
    expect(() => parseSecretKey('zz'.repeat(32))).not.toThrow(/zzzz/); // never echoes the value

    const dir = t.dir();
    const s = await t.open({ dataDir: dir, env: { DTC_SECRET_KEY: hex } });
    await s.instances.add(demo);
    expect(() => statSync(join(dir, 'secret.key'))).toThrow(); // the env key wins; no file created
    await t.close(s);
    const again = await t.open({
      dataDir: dir,
      env: { DTC_SECRET_KEY: Buffer.from(hex, 'hex').toString('base64') },
    });
    expect(await again.instances.privateToken('prod')).toBe(TOKEN);
    const broken = await t.open({ dataDir: dir, env: { DTC_SECRET_KEY: 'oops' } });
    await expect(broken.instances.privateToken('prod')).rejects.toThrow(/DTC_SECRET_KEY must be/);
  });

  it('uses a fresh IV per value: the same token encrypts differently', async () => {
    const x = encryptSecret(KEY, 'same', 'aad');
    const y = encryptSecret(KEY, 'same', 'aad');
    expect(x).not.toBe(y);
    expect(x.split(':')[1]).toBe(keyId(KEY)); // the key it was made with
    expect(Buffer.from(x.split(':')[2], 'base64')).toHaveLength(12);
    expect(decryptSecret(KEY, y, 'aad', 'it', 'fix it')).toBe('same');
    expect(() => decryptSecret(KEY, 'garbage', 'aad', 'the token', 'fix it')).toThrow(
      'the token is not a ciphertext dtc made (corrupted store?); fix it',
    );
  });

  it('stores a proxy password encrypted, shows it as ****, and moves an old plaintext one', async () => {
    const dir = t.dir();
    const PW = 'proxy-pw-93kd!@x';
    const s = await t.open({ dataDir: dir, secretKey: KEY });
    await s.instances.add({ ...demo, proxy: `http://alice:${encodeURIComponent(PW)}@proxy.corp:3128` });
    await s.instances.add({ ...demo, name: 'lab', proxy: 'http://proxy.corp:3128' });
    expect((await s.instances.get('prod'))!.proxy).toBe('http://alice:****@proxy.corp:3128/');
    expect((await s.instances.get('lab'))!.proxy).toBe('http://proxy.corp:3128');
    expect(JSON.stringify(await s.instances.list())).not.toContain('proxy-pw');
    expect(decodeURIComponent(new URL((await s.instances.proxyUrl('prod'))!).password)).toBe(PW);
    expect(await s.instances.proxyUrl('lab')).toBe('http://proxy.corp:3128');
    // Re-submitting what a listing showed keeps the password; a new URL replaces it.
    await s.instances.update('prod', { proxy: 'http://alice:****@proxy2.corp:3128/' });
    expect(await s.instances.proxyUrl('prod')).toMatch(
      /^http:\/\/alice:proxy-pw-93kd!%40x@proxy2\.corp:3128\/$/,
    );
    await s.instances.update('prod', { proxy: null });
    expect(await s.instances.proxyUrl('prod')).toBeNull();
    await s.instances.update('prod', { proxy: `http://alice:${encodeURIComponent(PW)}@proxy.corp:3128` });
    await t.close(s);
    expect(JSON.stringify(await t.sql(s, 'SELECT * FROM instances'))).not.toContain('proxy-pw');
    const file = join(dir, 'dtc.sqlite');
    for (const f of dialect === 'sqlite' ? [file, `${file}-wal`] : []) {
      const bytes = (() => {
        try {
          return readFileSync(f, 'latin1');
        } catch {
          return '';
        }
      })();
      expect(bytes.includes('proxy-pw'), f).toBe(false);
    }

    // A database written before passwords were encrypted: moved on open.
    await t.sql(s, 'UPDATE instances SET proxy = ?, proxy_password_enc = NULL WHERE name = ?', [
      'http://bob:legacy-secret@proxy.corp:3128',
      'lab',
    ]);
    const again = await t.open({ dataDir: dir, secretKey: KEY });
    expect((await again.instances.get('lab'))!.proxy).toBe('http://bob:****@proxy.corp:3128/');
    expect(await again.instances.proxyUrl('lab')).toBe('http://bob:legacy-secret@proxy.corp:3128/');
    await t.close(again);
    expect(JSON.stringify(await t.sql(s, 'SELECT * FROM instances'))).not.toContain('legacy-secret');
    if (dialect === 'sqlite') expect(readFileSync(file, 'latin1').includes('legacy-secret')).toBe(false);
  });
});
