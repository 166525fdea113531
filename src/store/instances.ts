// Darktrace instances: where each appliance is and how to poll it. The private token and a proxy's
// password are stored encrypted (instance-secrets.ts) and never selected by a listing.
import type { Selectable } from 'kysely';
import type { Conn } from './conn.ts';
import { StoreError } from './errors.ts';
import { proxyAad, proxyFix, tokenAad, tokenFix } from './instance-secrets.ts';
import type { InstancesTable } from './schema.ts';
import { decryptSecret, encryptSecret, type KeyRing } from './secrets.ts';
import { int } from './values.ts';

export interface TlsOptions {
  insecure: boolean;
  caFile: string | null;
}

/** An instance as the store returns it: never the private token, not even encrypted. */
export interface Instance {
  name: string;
  url: string;
  publicToken: string;
  pollIntervalSeconds: number;
  lookbackHours: number;
  minScore: number | null;
  maxItemsPerPoll: number | null;
  tls: TlsOptions;
  proxy: string | null;
  enabled: boolean;
  checkIntervalMinutes: number | null;
  simulated: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface InstanceInput {
  name: string;
  url: string;
  publicToken: string;
  privateToken: string;
  pollIntervalSeconds?: number;
  lookbackHours?: number;
  minScore?: number | null;
  maxItemsPerPoll?: number | null;
  tls?: Partial<TlsOptions>;
  proxy?: string | null;
  enabled?: boolean;
  checkIntervalMinutes?: number | null;
  simulated?: boolean;
}

export type InstancePatch = Partial<Omit<InstanceInput, 'name'>>;

export interface Instances {
  add(i: InstanceInput): Promise<Instance>;
  list(): Promise<Instance[]>;
  get(name: string): Promise<Instance | undefined>;
  update(name: string, patch: InstancePatch): Promise<Instance>;
  /** Removes the instance, its cursors and its connection checks; its detections stay in the log. */
  remove(name: string): Promise<boolean>;
  /** The decrypted private token, for the poller only. Never log it, never return it from the API. */
  privateToken(name: string): Promise<string>;
  /** The proxy URL with its password decrypted, for the poller only; listings show `****` instead. */
  proxyUrl(name: string): Promise<string | null>;
  /** Each instance's URL by name: what a read needs for links the record lacks. */
  urls(): Promise<Map<string, string>>;
}

/** What listings show for a stored proxy password. */
export const REDACTED_PASSWORD = '****';

/** A proxy URL split into the URL without its password and the password ('' when none). */
function splitProxy(proxy: string): { url: string; password: string } {
  let u: URL;
  try {
    u = new URL(proxy);
  } catch {
    return { url: proxy, password: '' }; // not a URL: validated elsewhere, stored as given
  }
  if (!u.password) return { url: proxy, password: '' };
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { url: u.href, password };
}

/** The proxy URL as listings show it: the password, when there is one, as `****`. */
function shownProxy(url: string | null, hasPassword: boolean): string | null {
  if (!url || !hasPassword) return url;
  const u = new URL(url);
  u.password = REDACTED_PASSWORD;
  return u.href;
}

const INSTANCE_COLUMNS = [
  'name',
  'url',
  'public_token',
  'poll_interval_s',
  'lookback_s',
  'min_score',
  'max_items_per_poll',
  'tls',
  'proxy',
  'proxy_password_enc',
  'enabled',
  'check_interval_min',
  'simulated',
  'created_at',
  'updated_at',
] as const;

type InstanceDbRow = Omit<Selectable<InstancesTable>, 'id' | 'private_token_enc'>;

const toInstance = (r: InstanceDbRow): Instance => {
  const tls = JSON.parse(r.tls || '{}') as Partial<TlsOptions>;
  return {
    name: r.name,
    url: r.url,
    publicToken: r.public_token,
    pollIntervalSeconds: r.poll_interval_s,
    lookbackHours: r.lookback_s / 3600,
    minScore: r.min_score,
    maxItemsPerPoll: r.max_items_per_poll,
    tls: { insecure: tls.insecure === true, caFile: tls.caFile ?? null },
    proxy: shownProxy(r.proxy, r.proxy_password_enc !== null),
    enabled: r.enabled === 1,
    checkIntervalMinutes: r.check_interval_min,
    simulated: r.simulated === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
};

export function instances(
  conn: Conn,
  ring: KeyRing,
): Instances & { encryptLegacyProxyPasswords(): Promise<number> } {
  const { k, x } = conn;
  /** A write to the table that holds secrets: the row's previous bytes are overwritten (see Conn.secure). */
  const secureRun = (q: Parameters<typeof x.run>[0]) => conn.secure(() => x.run(q));
  /** The key ring with the store's wrapped keys read again: call before encrypting or decrypting. */
  const keys = () => ring.refresh();

  /** The columns for a proxy URL: the URL without its password, and the password encrypted (after keys()). */
  const proxyColumns = (
    name: string,
    proxy: string | null,
  ): { proxy: string | null; proxy_password_enc: string | null } => {
    if (proxy === null) return { proxy: null, proxy_password_enc: null };
    const { url, password } = splitProxy(proxy);
    return {
      proxy: url,
      proxy_password_enc: password ? encryptSecret(ring, password, proxyAad(name)) : null,
    };
  };

  const repo = {
    add: async (i: InstanceInput): Promise<Instance> => {
      if (!i.name || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(i.name)) {
        throw new StoreError(
          'invalid',
          `instance name ${JSON.stringify(i.name)} must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
        );
      }
      if (await repo.get(i.name)) throw new StoreError('exists', `instance "${i.name}" already exists`);
      await keys();
      const now = Date.now();
      await secureRun(
        k.insertInto('instances').values({
          name: i.name,
          url: i.url,
          public_token: i.publicToken,
          private_token_enc: encryptSecret(ring, i.privateToken, tokenAad(i.name)),
          poll_interval_s: int(i.pollIntervalSeconds ?? 300, 'pollIntervalSeconds', 1),
          lookback_s: int(Math.round((i.lookbackHours ?? 24) * 3600), 'lookbackHours'),
          min_score: i.minScore ?? null,
          max_items_per_poll: i.maxItemsPerPoll ?? null,
          tls: JSON.stringify({ insecure: i.tls?.insecure === true, caFile: i.tls?.caFile ?? null }),
          ...proxyColumns(i.name, i.proxy ?? null),
          enabled: i.enabled === false ? 0 : 1,
          check_interval_min: i.checkIntervalMinutes ?? null,
          simulated: i.simulated ? 1 : 0,
          created_at: now,
          updated_at: now,
        }),
      );
      return (await repo.get(i.name))!;
    },

    list: async () =>
      (await x.all(k.selectFrom('instances').select(INSTANCE_COLUMNS).orderBy('name'))).map(toInstance),

    get: async (name: string) => {
      const r = await x.first(k.selectFrom('instances').select(INSTANCE_COLUMNS).where('name', '=', name));
      return r ? toInstance(r) : undefined;
    },

    update: async (name: string, patch: InstancePatch): Promise<Instance> => {
      const cur = await repo.get(name);
      if (!cur) throw new StoreError('not_found', `no instance named "${name}"`);
      await keys();
      const set: Partial<Record<keyof InstancesTable, unknown>> = {
        updated_at: Math.max(Date.now(), cur.updatedAt),
      };
      if (patch.url !== undefined) set.url = patch.url;
      if (patch.publicToken !== undefined) set.public_token = patch.publicToken;
      if (patch.privateToken !== undefined) {
        set.private_token_enc = encryptSecret(ring, patch.privateToken, tokenAad(name));
      }
      if (patch.pollIntervalSeconds !== undefined)
        set.poll_interval_s = int(patch.pollIntervalSeconds, 'pollIntervalSeconds', 1);
      if (patch.lookbackHours !== undefined)
        set.lookback_s = int(Math.round(patch.lookbackHours * 3600), 'lookbackHours');
      if (patch.minScore !== undefined) set.min_score = patch.minScore;
      if (patch.maxItemsPerPoll !== undefined) set.max_items_per_poll = patch.maxItemsPerPoll;
      if (patch.tls !== undefined) set.tls = JSON.stringify({ ...cur.tls, ...patch.tls });
      if (patch.proxy !== undefined) {
        // The URL a listing showed (password `****`) keeps the stored password.
        const p = patch.proxy;
        if (p !== null && splitProxy(p).password === REDACTED_PASSWORD) set.proxy = splitProxy(p).url;
        else Object.assign(set, proxyColumns(name, p));
      }
      if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
      if (patch.checkIntervalMinutes !== undefined) set.check_interval_min = patch.checkIntervalMinutes;
      if (patch.simulated !== undefined) set.simulated = patch.simulated ? 1 : 0;
      await secureRun(
        k
          .updateTable('instances')
          .set(set as any)
          .where('name', '=', name),
      );
      return (await repo.get(name))!;
    },

    remove: (name: string) =>
      x.transaction(async () => {
        const r = await secureRun(k.deleteFrom('instances').where('name', '=', name));
        await x.run(k.deleteFrom('cursors').where('instance', '=', name));
        await x.run(k.deleteFrom('connection_checks').where('instance', '=', name));
        return r.changes > 0;
      }),

    proxyUrl: async (name: string) => {
      const r = await x.first(
        k.selectFrom('instances').select(['proxy', 'proxy_password_enc']).where('name', '=', name),
      );
      if (!r) throw new StoreError('not_found', `no instance named "${name}"`);
      if (!r.proxy || r.proxy_password_enc === null) return r.proxy;
      const password = decryptSecret(
        await keys(),
        r.proxy_password_enc,
        proxyAad(name),
        `the proxy password of instance ${name}`,
        proxyFix(name),
      );
      const u = new URL(r.proxy);
      u.password = encodeURIComponent(password);
      return u.href;
    },

    privateToken: async (name: string) => {
      const r = await x.first(k.selectFrom('instances').select('private_token_enc').where('name', '=', name));
      if (!r) throw new StoreError('not_found', `no instance named "${name}"`);
      return decryptSecret(
        await keys(),
        r.private_token_enc,
        tokenAad(name),
        `the private token of instance ${name}`,
        tokenFix(name),
      );
    },

    urls: async () =>
      new Map((await x.all(k.selectFrom('instances').select(['name', 'url']))).map((i) => [i.name, i.url])),

    /**
     * Moves proxy passwords stored in plain text (before migration 0005) into their encrypted column.
     * Loads the key only when there is one to move.
     */
    encryptLegacyProxyPasswords: async (): Promise<number> => {
      const rows = (
        await x.all(
          k.selectFrom('instances').select(['name', 'proxy']).where('proxy_password_enc', 'is', null),
        )
      ).filter((r) => r.proxy && splitProxy(r.proxy).password);
      if (!rows.length) return 0;
      await keys();
      await x.transaction(async () => {
        for (const r of rows)
          await secureRun(
            k.updateTable('instances').set(proxyColumns(r.name, r.proxy)).where('name', '=', r.name),
          );
      });
      return rows.length;
    },
  };
  return repo;
}
