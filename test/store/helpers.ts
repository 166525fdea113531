// Real SQLite files in a fresh temp directory per test; removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { type DetectionInput, openStore, type Store } from '../../src/store/index.ts';

// A fixed key so tests never read DTC_SECRET_KEY from the developer's environment by accident.
export const KEY = Buffer.alloc(32, 7);

export function useTempStores() {
  const dirs: string[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return {
    dir(): string {
      const d = mkdtempSync(join(tmpdir(), 'dtc-store-'));
      dirs.push(d);
      return d;
    },
    async open(opts: Parameters<typeof openStore>[0]): Promise<Store> {
      const s = await openStore({ env: {}, ...opts });
      stores.push(s);
      return s;
    },
    /** Closes a store early (to reopen its file); afterEach then skips it. */
    async close(s: Store): Promise<void> {
      stores.splice(stores.indexOf(s), 1);
      await s.close();
    },
  };
}

/**
 * A row as the ingest path would make it. `raw` is a minimal model breach the normaliser reads, so the
 * canonical detection the store derives on read is a real one.
 */
export function det(nativeId: string, hash: string, over: Partial<DetectionInput> = {}): DetectionInput {
  const title = over.title ?? `Breach ${nativeId}`;
  return {
    instance: 'prod',
    family: 'model_breach',
    nativeId,
    hash,
    eventTime: 1_700_000_000_000,
    severity: 3,
    title: `Breach ${nativeId}`,
    acknowledged: false,
    source: 'api',
    raw: JSON.stringify({
      pbid: Number(nativeId) || nativeId,
      time: 1_700_000_000_000,
      score: 0.5,
      model: { name: title, pid: 1 },
      device: { did: 1, ip: '10.0.0.1' },
    }),
    ...over,
  };
}
