// Darktrace's request signature (API doc §3): HMAC-SHA1 over "<signed target>\n<public token>\n<date>".
// This file is shared by the SDK (which signs) and the simulator (which verifies), so both read the
// protocol from one place.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SignInput {
  /** Path plus `?` and query (GET/DELETE), or path plus `?` and the exact body text (POST). */
  target: string;
  publicToken: string;
  privateToken: string;
  /** The DTAPI-Date header value, sent as is. */
  date: string;
}

export function signature({ target, publicToken, privateToken, date }: SignInput): string {
  return createHmac('sha1', privateToken).update(`${target}\n${publicToken}\n${date}`).digest('hex');
}

/** Constant-time comparison of two hex signatures. */
export function signaturesEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a.toLowerCase());
  const bb = Buffer.from(b.toLowerCase());
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/**
 * The signed target for a request: GET/DELETE sign the path and the query (no `?` when empty);
 * POST signs the path, `?` and the body text, ignoring any URL query (LAB, 7.1).
 */
export function signedTarget(method: string, path: string, query: string, body: string | undefined): string {
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') return `${path}?${body ?? query}`;
  return query ? `${path}?${query}` : path;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The compact date format (`20240115T093000`), in UTC, that appliances of every version accept. */
export function formatDtapiDate(d: Date): string {
  return (
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`
  );
}

const COMPACT = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/;
const SPACED_OR_ISO = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses the three DTAPI-Date forms real clients send: compact, spaced, and ISO 8601 with or without
 * an offset (a naive time is UTC). Returns epoch ms, or undefined when the text is none of them.
 */
export function parseDtapiDate(text: string): number | undefined {
  const c = COMPACT.exec(text);
  if (c) return Date.UTC(+c[1], +c[2] - 1, +c[3], +c[4], +c[5], +c[6]);
  const m = SPACED_OR_ISO.exec(text);
  if (!m) return undefined;
  const frac = m[7] ? Math.round(Number(`0${m[7]}`) * 1000) : 0;
  let ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], frac);
  const off = m[8];
  if (off && off !== 'Z') {
    const sign = off[0] === '-' ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return Number.isNaN(ms) ? undefined : ms;
}
