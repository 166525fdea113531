// Connection health: one GET /status with a short timeout and no retries, so a check reports what a
// poll would meet right now (wrong URL, token, permission, clock, TLS) in the SDK's plain words.
import { DarktraceClient, type DarktraceClientOptions } from '../darktrace/index.ts';

export interface ConnectionCheckResult {
  ok: boolean;
  at: string;
  latencyMs: number;
  version?: string;
  hostname?: string;
  error?: string;
}

export async function checkConnection(
  opts: Pick<DarktraceClientOptions, 'url' | 'publicToken' | 'privateToken' | 'tls' | 'proxy'>,
): Promise<ConnectionCheckResult> {
  const started = Date.now();
  const at = new Date(started).toISOString();
  let client: DarktraceClient | undefined;
  try {
    client = new DarktraceClient({
      ...opts,
      retries: 0,
      timeoutMs: 15_000,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const status = await client.system.status({ includechildren: false, fast: true });
    return {
      ok: true,
      at,
      latencyMs: Date.now() - started,
      version: status.version,
      hostname: status.hostname,
    };
  } catch (err) {
    return { ok: false, at, latencyMs: Date.now() - started, error: (err as Error).message };
  } finally {
    await client?.close();
  }
}
