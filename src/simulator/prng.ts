// Deterministic randomness. Every generated record is a pure function of (seed, stream, index), so a
// million-breach history needs no storage: any breach can be rebuilt from its index on demand.

/** murmur3's 32-bit finaliser: a fast, well-mixed integer hash. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of (seed, index, salt). */
export function h32(seed: number, index: number, salt: number): number {
  return fmix(fmix(fmix(seed ^ 0x9e3779b9) ^ (index >>> 0)) ^ Math.imul(salt + 1, 0x27d4eb2f));
}

/** A uniform float in [0, 1) from (seed, index, salt). */
export function u(seed: number, index: number, salt: number): number {
  return h32(seed, index, salt) / 4294967296;
}

/** An integer in [lo, hi] from (seed, index, salt). */
export function int(seed: number, index: number, salt: number, lo: number, hi: number): number {
  return lo + Math.floor(u(seed, index, salt) * (hi - lo + 1));
}

/** Sequential generator (mulberry32) for the static world, built once at start. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = fmix(seed ^ 0x5bd1e995) || 1;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += Math.floor(this.next() * 16).toString(16);
    return s;
  }
  uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${'89ab'[this.int(0, 3)]}${this.hex(3)}-${this.hex(12)}`;
  }
}

/** Hex digits derived from a hash stream (for ids of derived records). */
export function hexOf(seed: number, index: number, salt: number, n: number): string {
  let s = '';
  let k = 0;
  while (s.length < n)
    s += h32(seed, index, salt * 31 + k++)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, n);
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, the appliance's string time format. */
export function dtTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
