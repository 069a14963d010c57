import type { CallOptions, QueueConfigView } from '../context.js';

export interface ThrottleDecision {
  throttled: boolean;
  diag?: string;
}

/** Holds back submission to a queue, e.g. after too many missed workers. */
export interface Throttler {
  toBeThrottled(queue: QueueConfigView, call?: CallOptions): Promise<ThrottleDecision>;
}
