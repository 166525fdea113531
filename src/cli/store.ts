// What the actions that work on the service's data directory share (`dtc instance`, `dtc sink`, …).
// Heavy (opens SQLite): import it from actions only, never from a registration file.
import { resolve } from 'node:path';
import { openStore, type Store } from '../store/index.ts';

/** Opens the data directory's store for one command and always closes it. */
export async function withStore<T>(dataDir: string, fn: (store: Store) => Promise<T> | T): Promise<T> {
  const store = await openStore({ dataDir: resolve(dataDir) });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
