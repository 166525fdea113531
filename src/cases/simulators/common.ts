// What the case-system simulators share: a fastify server on loopback, users by basic or bearer
// credentials, and webhooks sent to a registered URL with the shared secret's signature (and a switch
// that drops them, to test the poll that catches what a webhook missed).
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { hmacSha256 } from '../signature.ts';

export interface SimUser {
  /** The login: an e-mail (Jira Cloud) or a user name (ServiceNow). */
  login: string;
  secret: string;
  displayName: string;
}

export interface WebhookTarget {
  url: string;
  secret: string;
  /** The signature header and how it is written. */
  header: string;
  sign: (secret: string, body: string) => string;
}

export const jiraSignature = (secret: string, body: string) => `sha256=${hmacSha256(secret, body, 'hex')}`;
export const base64Signature = (secret: string, body: string) => hmacSha256(secret, body, 'base64');

/** The user a request authenticates as (basic `login:secret` or bearer `secret`), or undefined. */
export function userOf(req: FastifyRequest, users: readonly SimUser[]): SimUser | undefined {
  const h = req.headers.authorization ?? '';
  const [scheme, value = ''] = h.split(' ');
  if (scheme === 'Bearer') return users.find((u) => u.secret === value);
  if (scheme !== 'Basic') return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return users.find((u) => u.login === text.slice(0, i) && u.secret === text.slice(i + 1));
}

export class Webhooks {
  target?: WebhookTarget;
  /** While true, events are dropped as a webhook lost in transit would be. */
  drop = false;
  readonly #pending = new Set<Promise<unknown>>();
  /** Answers of the deliveries made: status per event. */
  readonly delivered: { event: unknown; status: number }[] = [];

  send(event: unknown): void {
    const t = this.target;
    if (!t || this.drop) return;
    const body = JSON.stringify(event);
    const p = fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [t.header]: t.sign(t.secret, body) },
      body,
    })
      .then(async (r) => {
        await r.text();
        this.delivered.push({ event, status: r.status });
      })
      .catch(() => this.delivered.push({ event, status: 0 }))
      .finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  /** Waits until every webhook sent so far was answered. */
  async flush(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
  }
}

export async function listen(app: FastifyInstance, port = 0): Promise<string> {
  await app.listen({ port, host: '127.0.0.1' });
  const a = app.server.address() as { port: number };
  return `http://127.0.0.1:${a.port}`;
}

export const simApp = () => Fastify({ logger: false });
