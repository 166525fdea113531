// The store's one redaction rule, for what it keeps in plain JSON (a sink's config, a command's
// parameters): a value under a secret-looking key becomes `[REDACTED]`, and a URL keeps no credentials
// (src/util/redact.ts). Callers redact already, from the fields their specs mark secret; this is the
// second line, so a caller that forgets does not put a credential in the database.
import { redactUrlText } from '../util/redact.ts';

export const REDACTED_VALUE = '[REDACTED]';

const SECRET_KEY = /token|secret|password|passwd|api[-_]?key|authorization|credential/i;

/** `v` with secret-named values replaced and URL credentials redacted, to a depth of 8. */
export function redactSecrets(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return /^[a-z][a-z0-9+.-]*:/i.test(v) ? redactUrlText(v) : v;
  if (depth > 8 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => redactSecrets(x, depth + 1));
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>).map(([k, x]) => [
      k,
      SECRET_KEY.test(k) && x != null && x !== '' ? REDACTED_VALUE : redactSecrets(x, depth + 1),
    ]),
  );
}
