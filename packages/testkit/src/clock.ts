// Time for simulations: any `() => number` of epoch milliseconds (Date.now by default), or a
// ManualClock that only moves when a test moves it.

/** Epoch milliseconds. */
export type Clock = () => number;

export type ClockLike = Clock | { now(): number };

export function toClock(clock: ClockLike | undefined): Clock {
  if (clock === undefined) return Date.now;
  if (typeof clock === 'function') return clock;
  return () => clock.now();
}

/** A clock that stands still until advanced; `now` is a bound function, pass it as a Clock. */
export class ManualClock {
  private t: number;

  constructor(start: number | Date = 0) {
    this.t = typeof start === 'number' ? start : start.getTime();
  }

  readonly now = (): number => this.t;

  /** The current time as a Date. */
  date(): Date {
    return new Date(this.t);
  }

  /** Moves the clock forward by `ms` (must not be negative); returns the new time. */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ManualClock.advance: invalid step ${ms}`);
    this.t += ms;
    return this.t;
  }

  /** Sets the time; it must not go backwards. */
  set(time: number | Date): void {
    const t = typeof time === 'number' ? time : time.getTime();
    if (t < this.t) throw new RangeError(`ManualClock.set: ${t} is before the current time ${this.t}`);
    this.t = t;
  }
}
