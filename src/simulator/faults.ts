// Injectable faults: the current switch positions, the seeded dice that decide which requests they hit,
// the skewed server clock, and the check of a control-API fault patch.
import { HttpError } from './http.ts';
import { Rng } from './prng.ts';
import type { Faults } from './types.ts';

export const DEFAULT_FAULTS: Faults = {
  latencyMs: 0,
  errorRate: 0,
  errorStatus: 500,
  retryAfterSeconds: 1,
  truncateRate: 0,
  clockSkewSeconds: 0,
  revokedTokens: [],
  deleteBadGatewayRate: 0,
};

/** The faults in force. One seeded stream of dice for all of them, so a seed replays the same run. */
export class FaultSwitch {
  private f: Faults;
  private readonly rng: Rng;

  constructor(
    seed: number,
    initial: Partial<Faults> | undefined,
    private readonly clock: () => number,
  ) {
    this.rng = new Rng(seed ^ 0xfa017);
    this.f = { ...DEFAULT_FAULTS, ...initial, revokedTokens: [...(initial?.revokedTokens ?? [])] };
  }

  get current(): Readonly<Faults> {
    return this.f;
  }

  set(patch: Partial<Faults>): void {
    this.f = { ...this.f, ...patch, revokedTokens: [...(patch.revokedTokens ?? this.f.revokedTokens)] };
  }

  reset(): void {
    this.f = { ...DEFAULT_FAULTS, revokedTokens: [] };
  }

  /** A copy callers may keep or change without touching the switch. */
  snapshot(): Faults {
    return { ...this.f, revokedTokens: [...this.f.revokedTokens] };
  }

  /** The appliance's clock: DTAPI-Date is judged against it and the Date header shows it. */
  serverNow(): number {
    return this.clock() + this.f.clockSkewSeconds * 1000;
  }

  /** Whether a fault of this rate (0..1) hits the current request. */
  hits(rate: number): boolean {
    return rate > 0 && this.rng.next() < rate;
  }
}

const STATUS_TEXT = { 429: 'Too Many Requests', 503: 'Service Unavailable', 500: 'Internal Server Error' };

/** The error answer an `errorRate` fault gives instead of the API's, or undefined when none hits. */
export function errorFault(
  faults: FaultSwitch,
): { status: number; retryAfter?: string; body: { error: string } } | undefined {
  const f = faults.current;
  if (!faults.hits(f.errorRate)) return undefined;
  const s = f.errorStatus;
  return {
    status: s,
    retryAfter: s === 429 || s === 503 ? String(f.retryAfterSeconds) : undefined,
    body: { error: STATUS_TEXT[s] },
  };
}

/** A fault patch from the control API, checked field by field. */
export function validFaults(b: Record<string, unknown>): Partial<Faults> {
  const out: Partial<Faults> = {};
  const num = (k: keyof Faults) => {
    if (b[k] === undefined) return;
    const n = Number(b[k]);
    if (!Number.isFinite(n)) throw new HttpError(400, { error: `${k} must be a number` });
    (out as Record<string, unknown>)[k] = n;
  };
  num('latencyMs');
  num('errorRate');
  num('retryAfterSeconds');
  num('truncateRate');
  num('clockSkewSeconds');
  num('deleteBadGatewayRate');
  if (b.errorStatus !== undefined) {
    const s = Number(b.errorStatus);
    if (s !== 500 && s !== 503 && s !== 429)
      throw new HttpError(400, { error: 'errorStatus must be 500, 503 or 429' });
    out.errorStatus = s;
  }
  if (b.revokedTokens !== undefined) {
    if (!Array.isArray(b.revokedTokens))
      throw new HttpError(400, { error: 'revokedTokens must be an array' });
    out.revokedTokens = b.revokedTokens.map(String);
  }
  return out;
}
