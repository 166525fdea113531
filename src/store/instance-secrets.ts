// The encrypted columns of the instances table (private tokens, proxy passwords) and the keys they are
// made with: what `dtc secrets status` lists and `dtc secrets rotate` re-encrypts. secrets.ts holds the
// cryptography and the key ring; this file knows where the values live.
import type { Conn } from './conn.ts';
import {
  decryptSecret,
  encryptSecret,
  type KeyRing,
  keyIdOf,
  type RingKey,
  type WrappedKey,
  wrapKey,
} from './secrets.ts';

/** One stored secret, as `dtc secrets status` shows it. */
export interface StoredSecret {
  kind: 'private_token' | 'proxy_password';
  /** The instance it belongs to. */
  owner: string;
  /** The key it was made with; null for a value from before key ids (read with the current key). */
  keyId: string | null;
}

export interface InstanceSecrets {
  /** Every stored secret and the id of the key it was made with: never a value, not even encrypted. */
  list(): Promise<StoredSecret[]>;
  /** The key new secrets are encrypted with, bytes included: for rotation only, never print it. */
  currentKey(): Promise<RingKey>;
  /** Decrypts every stored secret; throws the first one no key opens (naming it and the fix). */
  verify(): Promise<number>;
  /** The keys this process holds (current first), read again from their sources. */
  keys(): Promise<{ id: string; source: string; current: boolean }[]>;
  /**
   * Re-encrypts every stored secret under `to` (default: the current key) in one transaction, after
   * checking that every one decrypts; with `wrapUnder`, also keeps `to` in the store wrapped under
   * that key (see KeyRing). Deleted content is overwritten and the WAL checkpointed, so no copy made
   * under an older key stays in the database files. Returns how many were re-encrypted.
   */
  reencrypt(opts?: {
    to?: RingKey;
    wrapUnder?: RingKey;
  }): Promise<{ reencrypted: number; checkpointed: boolean }>;
  /** Keys kept wrapped in the store (by id, and the key each is wrapped under). */
  wrappedKeys(): Promise<{ id: string; wrappedBy: string; createdAt: number }[]>;
  /** Deletes the wrapped keys (overwriting them); returns how many. */
  dropWrappedKeys(): Promise<number>;
}

export const tokenAad = (name: string) => `dtc:instance:${name}:private_token`;
export const proxyAad = (name: string) => `dtc:instance:${name}:proxy_password`;
export const tokenFix = (name: string) =>
  `re-enter the token with \`dtc instance update ${name} --private-token ...\``;
export const proxyFix = (name: string) =>
  `re-enter the proxy URL with \`dtc instance update ${name} --proxy ...\``;

interface SecretColumn {
  kind: StoredSecret['kind'];
  column: 'private_token_enc' | 'proxy_password_enc';
  aad(owner: string): string;
  describe(owner: string): string;
  fix(owner: string): string;
}

/** Every encrypted column of the store. A new one goes here, and rotation and status cover it. */
const SECRET_COLUMNS: SecretColumn[] = [
  {
    kind: 'private_token',
    column: 'private_token_enc',
    aad: tokenAad,
    describe: (n) => `the private token of instance ${n}`,
    fix: tokenFix,
  },
  {
    kind: 'proxy_password',
    column: 'proxy_password_enc',
    aad: proxyAad,
    describe: (n) => `the proxy password of instance ${n}`,
    fix: proxyFix,
  },
];

/** The keys kept wrapped in the store (for the key ring). */
export function storedKeys({ k, x }: Conn): Promise<WrappedKey[]> {
  return x.all(k.selectFrom('secret_keys').select(['id', 'wrapped']).orderBy('created_at'));
}

export function instanceSecrets(conn: Conn, ring: KeyRing): InstanceSecrets {
  const { k, x } = conn;
  /** Every encrypted value, with what it protects: the one list rotation and status read. */
  const rows = async (): Promise<{ col: SecretColumn; owner: string; value: string }[]> => {
    const out: { col: SecretColumn; owner: string; value: string }[] = [];
    for (const col of SECRET_COLUMNS)
      for (const r of await x.all(
        k
          .selectFrom('instances')
          .select(['name', col.column])
          .where(col.column, 'is not', null)
          .orderBy('name'),
      ))
        out.push({ col, owner: r.name, value: (r as Record<string, string>)[col.column] });
    return out;
  };
  const open = (r: { col: SecretColumn; owner: string; value: string }) =>
    decryptSecret(ring, r.value, r.col.aad(r.owner), r.col.describe(r.owner), r.col.fix(r.owner));

  return {
    list: async () =>
      (await rows()).map((r) => ({ kind: r.col.kind, owner: r.owner, keyId: keyIdOf(r.value) ?? null })),
    currentKey: async () => (await ring.refresh()).current(),
    verify: async () => {
      await ring.refresh();
      ring.reload();
      const all = await rows();
      for (const r of all) open(r);
      return all.length;
    },
    keys: async () => {
      await ring.refresh();
      ring.reload();
      return ring.keys().map((key, i) => ({ id: key.id, source: key.source, current: i === 0 }));
    },
    reencrypt: async (opts = {}) => {
      await ring.refresh();
      const to = opts.to ?? ring.current();
      let n = 0;
      await conn.secure(() =>
        x.transaction(async () => {
          // Decrypt everything first: one that no key opens stops the rotation before anything changes.
          const plain = (await rows()).map((r) => ({ ...r, text: open(r) }));
          for (const r of plain) {
            await x.run(
              k
                .updateTable('instances')
                .set({ [r.col.column]: encryptSecret(to, r.text, r.col.aad(r.owner)) } as any)
                .where('name', '=', r.owner),
            );
            n++;
          }
          if (opts.wrapUnder) {
            const w = wrapKey(opts.wrapUnder, to);
            await x.run(
              k
                .insertInto('secret_keys')
                .values({ id: w.id, wrapped: w.wrapped, created_at: Date.now() })
                .onConflict((oc) => oc.column('id').doUpdateSet({ wrapped: w.wrapped })),
            );
          }
        }),
      );
      return { reencrypted: n, checkpointed: await conn.flushReplaced() };
    },
    wrappedKeys: async () =>
      (await x.all(k.selectFrom('secret_keys').selectAll().orderBy('created_at'))).map((r) => ({
        id: r.id,
        wrappedBy: keyIdOf(r.wrapped) ?? '?',
        createdAt: Number(r.created_at),
      })),
    dropWrappedKeys: async () => {
      const n = (await conn.secure(() => x.run(k.deleteFrom('secret_keys')))).changes;
      await conn.flushReplaced();
      return n;
    },
  };
}
