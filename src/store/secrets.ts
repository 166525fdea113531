// Secrets at rest: AES-256-GCM, a random 12-byte IV per value, stored as
// `v2:<key id>:<iv>:<tag>:<ct>` (base64). The key id names the key a value was made with, so a key ring
// (the current key and the previous ones kept during a rotation) can decrypt old and new values alike.
// Values from before key ids (`v1:<iv>:<tag>:<ct>`) are read with the current key (then the others).
// The current key comes from DTC_SECRET_KEY or from <dataDir>/secret.key, created on first use with mode
// 0600; previous keys from <dataDir>/secret.key.previous and from keys the store keeps wrapped under
// the key before them (see KeyRing). Each value is bound to what it protects (additional authenticated
// data, e.g. the instance name), so a ciphertext copied onto another row does not decrypt there.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

export const SECRET_KEY_ENV = 'DTC_SECRET_KEY';
export const NEW_SECRET_KEY_ENV = 'DTC_NEW_SECRET_KEY';
export const KEY_FILE_NAME = 'secret.key';
export const PREVIOUS_KEYS_FILE_NAME = 'secret.key.previous';

export type SecretErrorCode = 'bad_key' | 'key_file_mode' | 'wrong_key' | 'unknown_key' | 'corrupt';

export class SecretError extends Error {
  override name = 'SecretError';
  constructor(
    readonly code: SecretErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A key and where it came from (`DTC_SECRET_KEY`, a file, the store), never shown with its bytes. */
export interface RingKey {
  /** 16 hex characters derived from the key (HMAC), printed by `dtc secrets status`. */
  id: string;
  key: Buffer;
  source: string;
}

/** The key id: the first 8 bytes of HMAC-SHA256(key, a fixed label). Says nothing usable about the key. */
export function keyId(key: Buffer): string {
  return createHmac('sha256', key).update('dtc secret key id').digest('hex').slice(0, 16);
}

const ringKey = (key: Buffer, source: string): RingKey => ({ id: keyId(key), key, source });

/** Parses a key given as 64 hex characters or as base64 of 32 bytes; `what` names the source in errors. */
export function parseSecretKey(text: string, what: string = SECRET_KEY_ENV): Buffer {
  const s = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) {
    const b = Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64');
    if (b.length === 32) return b;
  }
  // Never echo the value: it may be a real key with a typo.
  throw new SecretError(
    'bad_key',
    `${what} must be 64 hex characters or the base64 of 32 bytes (got ${s.length} characters that are neither); ` +
      'generate one with `openssl rand -hex 32`',
  );
}

/** Refuses a key file that group or others can read. */
function checkKeyFileMode(path: string): void {
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new SecretError(
      'key_file_mode',
      `the secret key file ${path} is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}); ` +
        `run \`chmod 600 ${path}\``,
    );
  }
}

/**
 * Writes a key file whole or not at all: a 0600 temporary file beside it, fsynced, renamed over it,
 * and the directory fsynced, so a crash leaves the old file or the new one, never half a key.
 */
export function writeKeyFile(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/**
 * Loads the key file, creating it (mode 0600, exclusive create so two processes cannot both write one)
 * when it does not exist and `create` is not false. Refuses a file that group or others can read.
 */
export function loadOrCreateKeyFile(path: string, create = true): Buffer {
  if (create) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  checkKeyFileMode(path);
  return parseSecretKey(readFileSync(path, 'utf8'), `the secret key file ${path}`);
}

/** The previous keys file: one key a line (`#` comments allowed); none when it does not exist. */
export function readPreviousKeys(path: string): RingKey[] {
  let text: string;
  try {
    checkKeyFileMode(path);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text
    .split('\n')
    .map((line, n) => [line.replace(/#.*/, '').trim(), n + 1] as const)
    .filter(([line]) => line)
    .map(([line, n]) => ringKey(parseSecretKey(line, `line ${n} of ${path}`), `${path}:${n}`));
}

/** Where the current key comes from: DTC_SECRET_KEY when set, else the key file in `keyDir`. */
export function resolveSecretKey(opts: {
  keyDir?: string;
  env?: NodeJS.ProcessEnv;
  create?: boolean;
}): Buffer {
  return resolveCurrentKey(opts).key;
}

export function resolveCurrentKey(opts: {
  keyDir?: string;
  env?: NodeJS.ProcessEnv;
  create?: boolean;
}): RingKey {
  const env = opts.env ?? process.env;
  const fromEnv = env[SECRET_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return ringKey(parseSecretKey(fromEnv), SECRET_KEY_ENV);
  if (!opts.keyDir) {
    throw new SecretError(
      'bad_key',
      `no secret key: set ${SECRET_KEY_ENV} (64 hex characters) or use a data directory`,
    );
  }
  const path = join(opts.keyDir, KEY_FILE_NAME);
  return ringKey(loadOrCreateKeyFile(path, opts.create), path);
}

/** A key kept in the store, wrapped (encrypted) under the key before it: see KeyRing. */
export interface WrappedKey {
  id: string;
  wrapped: string;
}

const wrapAad = (id: string) => `dtc:secret-key:${id}`;

/** `key` encrypted under `under`, for the store's key table. */
export function wrapKey(under: RingKey, key: RingKey): WrappedKey {
  return { id: key.id, wrapped: encryptSecret(under, key.key.toString('hex'), wrapAad(key.id)) };
}

/**
 * The keys a process can decrypt with. The current key (DTC_SECRET_KEY or the key file) and the
 * previous keys file are read again whenever a value names a key the ring does not hold and before
 * every encryption, so a service keeps working while `dtc secrets rotate` replaces the key file under
 * it. Keys the store keeps wrapped are unwrapped with any key the ring holds; a wrapped key made under
 * the current key is its successor (a rotation from DTC_SECRET_KEY while a service still runs with the
 * old value): new values are encrypted with it, so nothing new is made under a retired key.
 */
export class KeyRing {
  #keys = new Map<string, RingKey>();
  #current?: RingKey;
  readonly #load: () => { current: RingKey; previous: RingKey[]; wrapped: WrappedKey[] };
  readonly #refresh: (() => Promise<void>) | undefined;

  /**
   * `load` reads the sources synchronously (the key file, the environment) and the wrapped keys as
   * `refresh` last fetched them: the store is read asynchronously, so its callers `await refresh()`
   * before each use of the ring, and a rotation by another process is seen on the next one.
   */
  constructor(
    load: () => { current: RingKey; previous: RingKey[]; wrapped: WrappedKey[] },
    refresh?: () => Promise<void>,
  ) {
    this.#load = load;
    this.#refresh = refresh;
  }

  /** Fetches the sources that need I/O (the store's wrapped keys) again; resolves to the ring. */
  async refresh(): Promise<this> {
    await this.#refresh?.();
    return this;
  }

  /** A ring of fixed keys (tests, `secretKey` given to openStore): the first is current. */
  static of(...keys: Buffer[]): KeyRing {
    const [first, ...rest] = keys.map((k, i) => ringKey(k, i === 0 ? 'the given key' : `given key ${i + 1}`));
    return new KeyRing(() => ({ current: first, previous: rest, wrapped: [] }));
  }

  /** Reads the key sources again. */
  reload(): void {
    const { current, previous, wrapped } = this.#load();
    const keys = new Map<string, RingKey>();
    for (const k of [current, ...previous]) if (!keys.has(k.id)) keys.set(k.id, k);
    // Unwrap what a known key can open, until nothing more opens (a chain of rotations).
    let pending = wrapped.filter((w) => !keys.has(w.id));
    for (let progress = true; progress && pending.length; ) {
      progress = false;
      for (const w of pending) {
        const by = keys.get(wrappedBy(w.wrapped) ?? '');
        if (!by) continue;
        const hex = decryptWith(by.key, w.wrapped, wrapAad(w.id));
        if (hex === undefined) continue;
        const k = ringKey(Buffer.from(hex, 'hex'), `the store (wrapped under key ${by.id})`);
        if (k.id !== w.id) continue;
        keys.set(k.id, k);
        progress = true;
      }
      pending = pending.filter((w) => !keys.has(w.id));
    }
    // Follow successors: a wrapped key made under the current one replaced it.
    let cur = current;
    for (const seen = new Set([cur.id]); ; ) {
      const next = wrapped.find((w) => wrappedBy(w.wrapped) === cur.id && keys.has(w.id) && !seen.has(w.id));
      if (!next) break;
      cur = keys.get(next.id)!;
      seen.add(cur.id);
    }
    this.#keys = keys;
    this.#current = cur;
  }

  /** The key new values are encrypted with (read again from its source each time). */
  current(): RingKey {
    this.reload();
    return this.#current!;
  }

  /** Whether the ring has loaded once (a store that never touched a secret has not). */
  get loaded(): boolean {
    return this.#current !== undefined;
  }

  /** The key with this id, reading the sources again when the ring does not hold it yet. */
  find(id: string): RingKey | undefined {
    if (!this.#current || !this.#keys.has(id)) this.reload();
    return this.#keys.get(id);
  }

  /** Every key, the current one first. */
  keys(): RingKey[] {
    if (!this.#current) this.reload();
    const cur = this.#current!;
    return [cur, ...[...this.#keys.values()].filter((k) => k.id !== cur.id)];
  }
}

/** The key id a value names (`v2:`), null for a `v1:` value, undefined when it is neither. */
export function keyIdOf(value: string): string | null | undefined {
  if (value.startsWith('v1:')) return null;
  const m = /^v2:([0-9a-f]{16}):/.exec(value);
  return m ? m[1] : undefined;
}

const wrappedBy = (value: string) => keyIdOf(value) ?? undefined;

export function encryptSecret(key: Buffer | RingKey | KeyRing, plaintext: string, aad: string): string {
  const k = key instanceof KeyRing ? key.current() : Buffer.isBuffer(key) ? ringKey(key, 'given') : key;
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', k.key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return `v2:${k.id}:${iv.toString('base64')}:${c.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
}

/** The plaintext, or undefined when this key does not open the value (or it is not a ciphertext). */
function decryptWith(key: Buffer, value: string, aad: string): string | undefined {
  const parts = value.split(':');
  const b64 =
    parts[0] === 'v1' && parts.length === 4
      ? parts.slice(1)
      : parts[0] === 'v2' && parts.length === 5
        ? parts.slice(2)
        : undefined;
  if (!b64) return undefined;
  const [iv, tag, ct] = b64.map((p) => Buffer.from(p, 'base64'));
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]).toString('utf8');
  } catch {
    return undefined; // GCM authentication failed: another key (or another row's value)
  }
}

/**
 * Decrypts a `v2:` value with the key it names, or a `v1:` value with the current key (then any other
 * key of the ring). `describe` names the secret in errors ("the private token of instance X"); `fix`
 * says what the user can do when no key opens it.
 */
export function decryptSecret(
  key: Buffer | KeyRing,
  value: string,
  aad: string,
  describe: string,
  fix: string,
): string {
  const ring = Buffer.isBuffer(key) ? KeyRing.of(key) : key;
  const id = keyIdOf(value);
  if (id === undefined || value.split(':').length !== (id === null ? 4 : 5)) {
    throw new SecretError('corrupt', `${describe} is not a ciphertext dtc made (corrupted store?); ${fix}`);
  }
  const candidates = id === null ? ring.keys() : [ring.find(id)].filter((k): k is RingKey => !!k);
  if (id !== null && candidates.length === 0) {
    const have = ring.keys().map((k) => `${k.id} (${k.source})`);
    throw new SecretError(
      'unknown_key',
      `${describe} was encrypted with key ${id}, which this process does not have (it has ${have.join(', ')}); ` +
        `set ${SECRET_KEY_ENV} to that key, or put it in ${PREVIOUS_KEYS_FILE_NAME} in the data directory, or ${fix}`,
    );
  }
  for (const k of candidates) {
    const plain = decryptWith(k.key, value, aad);
    if (plain !== undefined) return plain;
  }
  const tried = candidates.map((k) => k.source).join(', ');
  throw new SecretError(
    'wrong_key',
    `${describe} cannot be decrypted with the key from ${tried}: the secret key changed; ` +
      `set ${SECRET_KEY_ENV} to the key used before or ${fix}`,
  );
}
