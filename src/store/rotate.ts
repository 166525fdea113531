// Secret key rotation (`dtc secrets rotate|status`), safe while a service runs on the same data directory.
//
// With the key in <dataDir>/secret.key (the default):
//   1. every stored secret is decrypted with the current key ring (one that does not stops here);
//   2. the current key is appended to <dataDir>/secret.key.previous (0600, written whole);
//   3. the new key replaces secret.key (0600, written whole);
//   4. one transaction re-encrypts every secret under the new key.
// A running service reads the key files again when it meets a key id it lacks, so it decrypts values
// under the old key (in .previous) before the commit and under the new one after. A crash between any
// two steps leaves every value readable. `--finish` then deletes the previous keys once nothing uses them.
//
// With the key in DTC_SECRET_KEY, dtc writes no key file: the new key comes from DTC_NEW_SECRET_KEY or
// --new-key-file, and the store keeps it wrapped under the old key until `--finish`, so a service still
// running with the old DTC_SECRET_KEY reads (and encrypts with) the new key. Restart services with the
// new DTC_SECRET_KEY, then finish: that deletes the wrapped copy.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Store, StoredSecret } from './index.ts';
import {
  KEY_FILE_NAME,
  keyId,
  NEW_SECRET_KEY_ENV,
  PREVIOUS_KEYS_FILE_NAME,
  parseSecretKey,
  type RingKey,
  readPreviousKeys,
  SECRET_KEY_ENV,
  SecretError,
  writeKeyFile,
} from './secrets.ts';

export interface RotateOptions {
  dataDir: string;
  /** Where DTC_SECRET_KEY and DTC_NEW_SECRET_KEY are read from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** A file holding the new key (64 hex characters or base64 of 32 bytes), mode 0600. */
  newKeyFile?: string;
}

export interface RotateResult {
  from: { id: string; source: string };
  to: { id: string; source: string };
  reencrypted: number;
  /** Files written (never their content). */
  wrote: string[];
  /** The new key is kept in the store wrapped under the old one (the old key came from DTC_SECRET_KEY). */
  wrapped: boolean;
  /** The WAL was truncated: no page image from before the rotation is left in it. */
  checkpointed: boolean;
}

const fromEnv = (env: NodeJS.ProcessEnv, name: string) => {
  const v = env[name];
  return v !== undefined && v !== '' ? v : undefined;
};

/** The new key, from --new-key-file, DTC_NEW_SECRET_KEY, or (key file mode only) a random one. */
function newKey(o: RotateOptions, env: NodeJS.ProcessEnv, keyInEnv: boolean): RingKey {
  if (o.newKeyFile) {
    const path = resolve(o.newKeyFile);
    let text: string;
    try {
      const mode = statSync(path).mode & 0o777;
      if (mode & 0o077)
        throw new SecretError(
          'key_file_mode',
          `the new key file ${path} is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}); ` +
            `run \`chmod 600 ${path}\``,
        );
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new SecretError(
          'bad_key',
          `--new-key-file ${path} does not exist; create it with \`openssl rand -hex 32 > ${path}\``,
        );
      throw err;
    }
    const key = parseSecretKey(text, `the new key file ${path}`);
    return { id: keyId(key), key, source: path };
  }
  const text = fromEnv(env, NEW_SECRET_KEY_ENV);
  if (text !== undefined) {
    const key = parseSecretKey(text, NEW_SECRET_KEY_ENV);
    return { id: keyId(key), key, source: NEW_SECRET_KEY_ENV };
  }
  if (keyInEnv)
    throw new SecretError(
      'bad_key',
      `the current key comes from ${SECRET_KEY_ENV}, so dtc does not write the new one to a file: give it in ` +
        `${NEW_SECRET_KEY_ENV} or with --new-key-file (make one with \`openssl rand -hex 32\`), then restart ` +
        `services with ${SECRET_KEY_ENV} set to it`,
    );
  const key = randomBytes(32);
  return { id: keyId(key), key, source: 'generated' };
}

/** Re-encrypts every secret under a new key; see the file comment for the steps and their order. */
export async function rotateSecretKey(store: Store, o: RotateOptions): Promise<RotateResult> {
  const env = o.env ?? process.env;
  const dataDir = resolve(o.dataDir);
  const keyInEnv = fromEnv(env, SECRET_KEY_ENV) !== undefined;
  const old = await store.secrets.currentKey();
  // Every secret must open now: a value no key opens would be lost by a rotation, so stop before
  // anything changes and say which one and what to do. (reencrypt checks again inside its transaction.)
  await store.secrets.verify();
  const to = newKey(o, env, keyInEnv);
  if (to.id === old.id)
    throw new SecretError('bad_key', `the new key is the current key (${old.id}); give another one`);
  const wrote: string[] = [];
  if (!keyInEnv) {
    const keyFile = join(dataDir, KEY_FILE_NAME);
    const prevFile = join(dataDir, PREVIOUS_KEYS_FILE_NAME);
    // Keys retired before stay until --finish: a backup restored meanwhile may still need them.
    const kept = readPreviousKeys(prevFile).filter((k) => k.id !== old.id && k.id !== to.id);
    const lines = [...kept, { ...old, retired: new Date().toISOString() }].map(
      (k) => `# key ${k.id}${'retired' in k ? `, replaced ${k.retired}` : ''}\n${k.key.toString('hex')}\n`,
    );
    writeKeyFile(prevFile, lines.join(''));
    wrote.push(prevFile);
    writeKeyFile(keyFile, `${to.key.toString('hex')}\n`);
    wrote.push(keyFile);
  }
  const r = await store.secrets.reencrypt({ to, wrapUnder: keyInEnv ? old : undefined });
  return {
    from: { id: old.id, source: old.source },
    to: { id: to.id, source: keyInEnv ? to.source : join(dataDir, KEY_FILE_NAME) },
    reencrypted: r.reencrypted,
    wrote,
    wrapped: keyInEnv,
    checkpointed: r.checkpointed,
  };
}

export interface SecretsStatus {
  current: { id: string; source: string };
  keys: { id: string; source: string; current: boolean; secrets: number }[];
  secrets: (StoredSecret & { key: 'current' | 'previous' | 'unknown' })[];
  /** Some secret is under a key other than the current one: the old key is still needed. */
  oldKeyNeeded: boolean;
  /** Keys kept for a rotation (previous keys file, wrapped keys) that nothing needs: `--finish` drops them. */
  canFinish: boolean;
  /** What to do next, in words. */
  advice: string;
}

export async function secretsStatus(store: Store, o: { dataDir: string }): Promise<SecretsStatus> {
  const keys = await store.secrets.keys();
  const current = keys[0];
  const secrets = (await store.secrets.list()).map((s) => ({
    ...s,
    key: (s.keyId === current.id
      ? 'current'
      : s.keyId !== null && keys.some((k) => k.id === s.keyId)
        ? 'previous'
        : s.keyId === null
          ? 'previous'
          : 'unknown') as 'current' | 'previous' | 'unknown',
  }));
  const oldKeyNeeded = secrets.some((s) => s.key !== 'current');
  const prevFile = join(resolve(o.dataDir), PREVIOUS_KEYS_FILE_NAME);
  const wrapped = await store.secrets.wrappedKeys();
  const kept = existsSync(prevFile) || wrapped.length > 0;
  const viaStore = current.source.startsWith('the store');
  let advice: string;
  if (secrets.some((s) => s.key === 'unknown'))
    advice =
      `some secrets are under a key this process does not have: set ${SECRET_KEY_ENV} to it or add it to ` +
      `${prevFile} (one key a line), then run \`dtc secrets rotate\``;
  else if (oldKeyNeeded)
    advice = 'some secrets are still under an older key: run `dtc secrets rotate` to re-encrypt them';
  else if (viaStore)
    advice =
      `this process runs with the old ${SECRET_KEY_ENV} and reads the new key ${current.id} from the store: ` +
      `restart every service with ${SECRET_KEY_ENV} set to the new key, then run \`dtc secrets rotate --finish\``;
  else if (kept)
    advice =
      'every secret is under the current key: the old key is no longer needed; `dtc secrets rotate --finish` deletes it ' +
      `(${wrapped.length ? 'restart services started with the old key first' : 'keep it only if you may restore an older backup'})`;
  else advice = 'every secret is under the current key; no old key is kept';
  return {
    current: { id: current.id, source: current.source },
    keys: keys.map((k, i) => ({
      id: k.id,
      source: k.source,
      current: i === 0,
      secrets: secrets.filter((s) => s.keyId === k.id || (i === 0 && s.keyId === null)).length,
    })),
    secrets,
    oldKeyNeeded,
    canFinish: kept && !oldKeyNeeded && !viaStore,
    advice,
  };
}

/** Drops the old keys once no secret needs them: the previous keys file and the wrapped keys. */
export async function finishRotation(
  store: Store,
  o: { dataDir: string },
): Promise<{ removed: string[]; wrappedDropped: number }> {
  const st = await secretsStatus(store, o);
  if (st.oldKeyNeeded) {
    const old = st.secrets.filter((s) => s.key !== 'current');
    throw new SecretError(
      'wrong_key',
      `${old.length} secret(s) still use an older key (${old.map((s) => `${s.kind} of ${s.owner}`).join(', ')}): ` +
        'run `dtc secrets rotate` first; nothing was deleted',
    );
  }
  if (st.current.source.startsWith('the store'))
    throw new SecretError('wrong_key', `${st.advice}; nothing was deleted`);
  const removed: string[] = [];
  const prevFile = join(resolve(o.dataDir), PREVIOUS_KEYS_FILE_NAME);
  if (existsSync(prevFile)) {
    // Overwrite before unlinking: the file's blocks should not keep the key after it is gone.
    writeFileSync(prevFile, Buffer.alloc(statSync(prevFile).size, 0));
    rmSync(prevFile);
    removed.push(prevFile);
  }
  return { removed, wrappedDropped: await store.secrets.dropWrappedKeys() };
}
