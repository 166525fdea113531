// Connection health: GET /status with a short timeout and no retries, then one narrow read of model
// breaches, so a check reports what a poll would meet right now. The SDK's error classes say which step
// failed; each step (reachable, TLS, signature, clock, permissions) is reported with ok and a reason in
// plain words, and the steps after a failure as not checked.
import {
  DarktraceAuthError,
  DarktraceClient,
  type DarktraceClientOptions,
  DarktraceClockError,
  DarktraceConfigError,
  DarktraceError,
  DarktraceNetworkError,
  DarktracePermissionError,
  DarktraceSignatureError,
  DarktraceTimeoutError,
  DarktraceTlsError,
} from '../darktrace/index.ts';

export const CHECK_STEPS = ['reachable', 'tls', 'signature', 'clock', 'permissions'] as const;
export type CheckStepName = (typeof CHECK_STEPS)[number];

export interface CheckStep {
  step: CheckStepName;
  ok: boolean;
  /** Not checked, because an earlier step failed (ok is then false). */
  skipped?: boolean;
  /** What was found, in plain words: why it failed and what to do, or what passed. */
  reason: string;
}

export interface ConnectionCheckResult {
  ok: boolean;
  at: string;
  latencyMs: number;
  version?: string;
  hostname?: string;
  /** The first failure as the SDK worded it. */
  error?: string;
  steps: CheckStep[];
}

type Opts = Pick<
  DarktraceClientOptions,
  'url' | 'publicToken' | 'privateToken' | 'tls' | 'proxy' | 'userAgent'
>;

/** The step an SDK error belongs to, with the reason a person can act on. */
export function classifyCheckError(err: unknown, url: string): { step: CheckStepName; reason: string } {
  const host = hostOf(url);
  if (err instanceof DarktraceTlsError) {
    const why: Record<string, string> = {
      'self-signed': 'the certificate is self-signed: give its CA file, or allow an insecure connection',
      expired: 'the certificate has expired: renew it on the appliance',
      'wrong-host': `the certificate is not for ${host}: use the name it was issued for`,
      untrusted: 'the certificate is not trusted: give the CA file that signed it',
      other: 'the TLS handshake failed',
    };
    return { step: 'tls', reason: `TLS failed: ${why[err.problem] ?? why.other}` };
  }
  if (err instanceof DarktraceTimeoutError)
    return {
      step: 'reachable',
      reason: `${host} did not answer in time: check the URL, the network and the proxy`,
    };
  if (err instanceof DarktraceNetworkError)
    return {
      step: 'reachable',
      reason: `${host} cannot be reached (${causeCode(err) ?? 'no connection'}): check the URL, the network and the proxy`,
    };
  if (err instanceof DarktraceConfigError) return { step: 'reachable', reason: `not tried: ${err.message}` };
  if (err instanceof DarktraceSignatureError)
    return { step: 'signature', reason: 'signature rejected: check the private token' };
  if (err instanceof DarktraceAuthError)
    return {
      step: 'signature',
      reason:
        'the appliance does not know this token pair or is not a Darktrace API: check the URL and the public token',
    };
  if (err instanceof DarktraceClockError)
    return {
      step: 'clock',
      reason: `this host's clock differs from the appliance's by more than 30 minutes${
        err.serverTimeMs ? ` (about ${Math.round((Date.now() - err.serverTimeMs) / 1000)} s)` : ''
      }: synchronise it with NTP`,
    };
  if (err instanceof DarktracePermissionError)
    return {
      step: 'permissions',
      reason: `the token's user may not call ${err.path.split('?')[0] || 'the API'}: grant it the permission in Threat Visualizer`,
    };
  if (err instanceof DarktraceError)
    return { step: 'permissions', reason: `the appliance answered with an error: ${err.summary()}` };
  return { step: 'reachable', reason: `the check failed: ${(err as Error)?.message ?? String(err)}` };
}

/** The five steps given the step that failed (none: all passed). */
function stepsFor(
  opts: Opts,
  failed: { step: CheckStepName; reason: string } | undefined,
  latencyMs: number,
): CheckStep[] {
  const url = opts.url;
  const https = url.toLowerCase().startsWith('https:');
  const passed: Record<CheckStepName, string> = {
    reachable: `${hostOf(url)} answered (${latencyMs} ms)`,
    tls: !https
      ? 'not used: the URL is plain http'
      : opts.tls?.insecure
        ? 'encrypted, but the certificate is not verified (insecure by choice)'
        : 'certificate verified',
    signature: 'signature accepted',
    clock: 'within 30 minutes of the appliance',
    permissions: 'may read the status and model breaches',
  };
  const at = failed ? CHECK_STEPS.indexOf(failed.step) : CHECK_STEPS.length;
  return CHECK_STEPS.map((step, i) => {
    if (i < at) return { step, ok: true, reason: passed[step] };
    if (i === at) return { step, ok: false, reason: failed!.reason };
    // The appliance checks the date before the signature: a clock refusal leaves the signature unknown.
    return { step, ok: false, skipped: true, reason: `not checked: ${failed!.step} failed` };
  }).map((s) =>
    failed?.step === 'clock' && s.step === 'signature'
      ? {
          step: s.step,
          ok: false,
          skipped: true,
          reason: 'not checked: the appliance refused the date first',
        }
      : s,
  );
}

export async function checkConnection(opts: Opts): Promise<ConnectionCheckResult> {
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
    const latencyMs = Date.now() - started;
    // What a poll reads first: model breaches, over a window of one minute (usually empty).
    await client.modelBreaches.list({ starttime: started - 60_000, endtime: started, minscore: 1 });
    const steps = stepsFor(opts, undefined, latencyMs);
    // The appliance refused our date once and the client re-signed with the appliance's time.
    const skewS = Math.round(client.clockOffsetMs / 1000);
    if (skewS)
      steps[3].reason =
        `the appliance's clock is about ${Math.abs(skewS)} s ${skewS > 0 ? 'ahead of' : 'behind'} this host's: ` +
        "requests are signed with the appliance's time; synchronise this host with NTP";
    return { ok: true, at, latencyMs, version: status.version, hostname: status.hostname, steps };
  } catch (err) {
    const latencyMs = Date.now() - started;
    return {
      ok: false,
      at,
      latencyMs,
      error: (err as Error).message,
      steps: stepsFor(opts, classifyCheckError(err, opts.url), latencyMs),
    };
  } finally {
    await client?.close();
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function causeCode(err: Error): string | undefined {
  const c = err.cause as { code?: string } | undefined;
  return typeof c?.code === 'string' ? c.code : undefined;
}
