// What the commands that work on the service's data directory share (`dtc instance`, `dtc sink`).
import { resolve } from 'node:path';
import { Option } from 'commander';
import { openStore, type Store } from '../store/index.ts';

export const dataDirOption = () =>
  new Option('--data-dir <dir>', 'the service data directory (default ./data)')
    .env('DTC_DATA_DIR')
    .default('data');

/** Opens the data directory's store for one command and always closes it. */
export async function withStore<T>(dataDir: string, fn: (store: Store) => Promise<T> | T): Promise<T> {
  const store = await openStore({ dataDir: resolve(dataDir) });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
