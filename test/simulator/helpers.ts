// A tiny independent signer for the simulator tests, built on the shared signing primitives and undici
// (the SDK client is tested separately).
import { request } from 'undici';
import { formatDtapiDate, signature } from '../../src/darktrace/signing.ts';

export const PUB = 'PUBLIC-TOKEN-EXAMPLE-0001';
export const PRIV = 'PRIVATE-TOKEN-EXAMPLE-0001';

export interface Call {
  method?: 'GET' | 'POST' | 'DELETE';
  /** Path plus query exactly as sent, e.g. `/modelbreaches?starttime=1`. */
  url: string;
  body?: string;
  contentType?: string;
  /** What to sign; default: what the doc says for this request. */
  target?: string;
  date?: string;
  publicToken?: string;
  privateToken?: string;
  /** Override the computed signature. */
  sig?: string;
  unsigned?: boolean;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any;
}

export function defaultTarget(method: string, url: string, body?: string): string {
  if (method === 'POST') {
    const path = url.split('?')[0];
    return `${path}?${body ?? url.split('?')[1] ?? ''}`;
  }
  return url;
}

export async function call(base: string, c: Call): Promise<Answer> {
  const method = c.method ?? (c.body !== undefined ? 'POST' : 'GET');
  const date = c.date ?? formatDtapiDate(new Date());
  const pub = c.publicToken ?? PUB;
  const target = c.target ?? defaultTarget(method, c.url, c.body);
  const sig = c.sig ?? signature({ target, publicToken: pub, privateToken: c.privateToken ?? PRIV, date });
  const headers: Record<string, string> = c.unsigned
    ? {}
    : { 'DTAPI-Token': pub, 'DTAPI-Date': date, 'DTAPI-Signature': sig };
  if (c.body !== undefined) headers['content-type'] = c.contentType ?? 'application/x-www-form-urlencoded';
  const r = await request(base + c.url, { method, headers, body: c.body });
  const buf = Buffer.from(await r.body.arrayBuffer());
  const text = buf.toString('utf8');
  return {
    status: r.statusCode,
    headers: r.headers as Answer['headers'],
    text,
    json: () => JSON.parse(text),
  };
}

export async function getJson(base: string, url: string): Promise<any> {
  const a = await call(base, { url });
  if (a.status !== 200) throw new Error(`${url}: ${a.status} ${a.text.slice(0, 200)}`);
  return a.json();
}

export async function postJson(base: string, url: string, body: unknown): Promise<Answer> {
  return call(base, { url, method: 'POST', body: JSON.stringify(body), contentType: 'application/json' });
}

export async function postForm(base: string, url: string, form: string): Promise<Answer> {
  return call(base, { url, method: 'POST', body: form, contentType: 'application/x-www-form-urlencoded' });
}

export async function control(base: string, path: string, body?: unknown): Promise<any> {
  const r = await request(base + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.body.text();
  if (r.statusCode !== 200) throw new Error(`${path}: ${r.statusCode} ${text}`);
  return JSON.parse(text);
}
