// Secrets at rest: AES-256-GCM, a random 12-byte IV per value, stored as `v1:<iv>:<tag>:<ct>` (base64).
// The key comes from DTC_SECRET_KEY or from <dataDir>/secret.key, created on first use with mode 0600.
// Each value is bound to what it protects (additional authenticated data, e.g. the instance name), so
// a ciphertext copied onto another row does not decrypt there.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const SECRET_KEY_ENV = 'DTC_SECRET_KEY';
export const KEY_FILE_NAME = 'secret.key';

export type SecretErrorCode = 'bad_key' | 'key_file_mode' | 'wrong_key' | 'corrupt';

export class SecretError extends Error {
  override name = 'SecretError';
  constructor(
    readonly code: SecretErrorCode,
    message: string,
  ) {
    super(message);
  }
}

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

/**
 * Loads the key file, creating it (mode 0600, exclusive create so two processes cannot both write one)
 * when it does not exist. Refuses a file that group or others can read.
 */
export function loadOrCreateKeyFile(path: string): Buffer {
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new SecretError(
      'key_file_mode',
      `the secret key file ${path} is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}); ` +
        `run \`chmod 600 ${path}\``,
    );
  }
  return parseSecretKey(readFileSync(path, 'utf8'), `the secret key file ${path}`);
}

/** Where the key comes from: DTC_SECRET_KEY when set, else the key file in `keyDir`. */
export function resolveSecretKey(opts: { keyDir?: string; env?: NodeJS.ProcessEnv }): Buffer {
  const env = opts.env ?? process.env;
  const fromEnv = env[SECRET_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return parseSecretKey(fromEnv);
  if (!opts.keyDir) {
    throw new SecretError(
      'bad_key',
      `no secret key: set ${SECRET_KEY_ENV} (64 hex characters) or use a data directory`,
    );
  }
  return loadOrCreateKeyFile(join(opts.keyDir, KEY_FILE_NAME));
}

export function encryptSecret(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return `v1:${iv.toString('base64')}:${c.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
}

/**
 * Decrypts a `v1:` value. `describe` names the secret in errors ("the private token of instance X");
 * `fix` says what the user can do when the key is not the one it was encrypted with.
 */
export function decryptSecret(
  key: Buffer,
  value: string,
  aad: string,
  describe: string,
  fix: string,
): string {
  const parts = value.split(':');
  if (parts.length !== 4 || parts[0] !== 'v1') {
    throw new SecretError('corrupt', `${describe} is not a v1 ciphertext (corrupted store?); ${fix}`);
  }
  const [, iv, tag, ct] = parts.map((p, i) => (i === 0 ? Buffer.alloc(0) : Buffer.from(p, 'base64')));
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]).toString('utf8');
  } catch {
    // GCM authentication failed: almost always a different key than the one used to encrypt.
    throw new SecretError(
      'wrong_key',
      `${describe} cannot be decrypted: the secret key changed; set ${SECRET_KEY_ENV} to the key used before or ${fix}`,
    );
  }
}
