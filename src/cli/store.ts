// What the actions that work on the service's data directory share (`dtc instance`, `dtc sink`, …).
// Heavy (opens SQLite): import it from actions only, never from a registration file.
import { resolve } from 'node:path';
import { openStore, type Store } from '../store/index.ts';

/**
 * The service's store: PostgreSQL when DTC_STORE_URL names one (the key file, if any, stays in the data
 * directory), else the data directory's SQLite file.
 */
export function openServiceStoreFor(dataDir: string, env = process.env): Promise<Store> {
  const url = env.DTC_STORE_URL;
  return openStore(url ? { url, keyDir: resolve(dataDir) } : { dataDir: resolve(dataDir) });
}

/** Opens the service's store for one command and always closes it. */
export async function withStore<T>(dataDir: string, fn: (store: Store) => Promise<T> | T): Promise<T> {
  const store = await openServiceStoreFor(dataDir);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
