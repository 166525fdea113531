// Time inputs as people type them: ISO 8601 (UTC unless an offset is given), epoch milliseconds, or a
// relative age such as `90s`, `15m`, `24h`, `7d`, `2w` meaning that long before now.

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration such as `30d` or `15m` (or a bare number of seconds) into ms. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/i.exec(text);
  if (!m)
    throw new RangeError(`"${text}" is not a duration: use a number and a unit, e.g. 90s, 15m, 24h, 7d, 2w`);
  return Number(m[1]) * (m[2] ? UNITS[m[2].toLowerCase()] : 1000);
}

/** Parses a point in time to epoch ms. */
export function parseTime(text: string | number, now: number = Date.now()): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text)) throw new RangeError(`${text} is not a time`);
    return text;
  }
  const t = text.trim();
  if (/^\d{11,14}$/.test(t)) return Number(t); // epoch milliseconds
  if (/^\d+(?:\.\d+)?\s*[smhdw]$/i.test(t)) return now - parseDuration(t);
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    // A time without an offset is UTC, not local time.
    const iso =
      /[zZ]|[+-]\d{2}:?\d{2}$/.test(t) || /^\d{4}-\d{2}-\d{2}$/.test(t) ? t : `${t.replace(' ', 'T')}Z`;
    const ms = Date.parse(iso);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new RangeError(
    `"${text}" is not a time: use ISO 8601 (2024-01-15T09:30:00Z), epoch milliseconds, or an age such as 24h or 7d`,
  );
}

/** An HTTP `Retry-After` header (seconds, or an HTTP date) as ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
