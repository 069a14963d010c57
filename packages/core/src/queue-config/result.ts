import type { ConfigIssue } from '../errors.js';
import type { QueueConfig } from './queue-config.js';

/** The concrete queues of a file, by queue name (templates excluded), in the order of the file. */
export type ResolvedQueueConfigs = Record<string, QueueConfig>;

/** Outcome of validating a queue configuration without throwing. */
export type QueueConfigResult =
  | { ok: true; value: ResolvedQueueConfigs }
  | { ok: false; issues: ConfigIssue[] };
