// The connection pool a replica uses for leases and for its writes under them. Two settings make a
// paused replica harmless to the others and to itself:
// - the server ends a transaction left idle for half a lease (`idle_in_transaction_session_timeout`), so
//   a replica stopped mid-write cannot hold the lease row's lock past its lease;
// - every client has an error listener, so the server ending a connection the replica had checked out
//   (that timeout, a restart, a failover) fails the query in flight instead of crashing the process.
import pg from 'pg';

export function replicaPool(url: string, o: { ttlMs: number; max?: number }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: o.max ?? 10,
    options: `-c idle_in_transaction_session_timeout=${Math.max(1, Math.floor(o.ttlMs / 2))}`,
  });
  // An idle client's error: the pool drops it and the next checkout opens a new connection.
  pool.on('error', () => {});
  // A checked-out client's error: its next query rejects with it, where the caller handles it.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}
