// The secrets of access control and how they are kept: passwords as scrypt strings (salted, memory-hard),
// API keys and session ids as SHA-256 digests (they are 256 random bits, so a fast digest is enough and
// lets a request be checked with one indexed lookup). Nothing here is ever logged or returned.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const SCRYPT = { N: 1 << 15, r: 8, p: 1, keylen: 32, maxmem: 64 * 1024 * 1024 };

function scryptAsync(password: string, salt: Buffer, o = SCRYPT): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, o.keylen, { N: o.N, r: o.r, p: o.p, maxmem: o.maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash`, base64url: the parameters travel with the hash, so they can grow later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = stored?.split('$') ?? [];
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    // Spend the same time as a real check, so a missing user is not told apart by timing.
    await scryptAsync(password, Buffer.alloc(16));
    return false;
  }
  const [, N, r, p, salt, hash] = parts;
  const expected = Buffer.from(hash, 'base64url');
  const got = await scryptAsync(password, Buffer.from(salt, 'base64url'), {
    ...SCRYPT,
    N: Number(N),
    r: Number(r),
    p: Number(p),
    keylen: expected.length,
  });
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export const MIN_PASSWORD = 12;

/** A password a person can type once and change: 20 characters from a 56-letter alphabet (~116 bits). */
export function randomPassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(randomBytes(20), (b) => alphabet[b % alphabet.length]).join('');
}

export const digest = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** A new API key: `dtc_<id>_<secret>`. The id (8 hex) names it in lists; only the digest is stored. */
export function newApiKey(): { id: string; key: string; prefix: string; digest: string } {
  const id = randomBytes(4).toString('hex');
  const key = `dtc_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, key, prefix: `dtc_${id}`, digest: digest(key) };
}

export const looksLikeApiKey = (s: string) => /^dtc_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/.test(s);

/** A session id for the console's cookie and the CSRF token that goes with it. */
export function newSession(): { id: string; digest: string; csrf: string } {
  const id = randomBytes(32).toString('base64url');
  return { id, digest: digest(id), csrf: randomBytes(24).toString('base64url') };
}
