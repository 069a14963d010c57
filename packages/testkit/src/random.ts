// A tiny seeded pseudo-random generator (mulberry32): the same seed gives the same sequence on
// every platform, so simulated runs are reproducible.

/** A number `n` (fixed) or an inclusive range `[min, max]` drawn uniformly. */
export type NumberOrRange = number | readonly [min: number, max: number];

export class SeededRandom {
  private state: number;

  constructor(seed = 1) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    const lo = Math.ceil(Math.min(min, max));
    const hi = Math.floor(Math.max(min, max));
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /**
   * A value of a fixed-or-range spec. One draw is consumed whatever the spec, so changing a
   * fixed value into a range does not shift the rest of the sequence.
   */
  pick(spec: NumberOrRange): number {
    const r = this.next();
    if (typeof spec === 'number') return spec;
    const [min, max] = spec;
    const lo = Math.ceil(Math.min(min, max));
    const hi = Math.floor(Math.max(min, max));
    return lo + Math.floor(r * (hi - lo + 1));
  }

  /** True with probability `p` (one draw is consumed whatever `p`). */
  chance(p: number): boolean {
    return this.next() < p;
  }
}
