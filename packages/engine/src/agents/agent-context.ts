import type { Communicator } from '@harvester-ts/core';
import type { Logger } from 'pino';
import type { EngineConfig } from '../config/engine-config.js';
import type { Database } from '../db/database.js';
import type { IdAllocator } from '../db/id-allocator.js';
import type { InstanceIdentity } from '../identity.js';
import type { QueueRegistry } from '../plugins/queue-registry.js';
import type { ChangeSet } from '../repositories/change-set.js';

/** What every agent works with. */
export interface AgentContext {
  db: Database;
  ids: IdAllocator;
  config: EngineConfig;
  identity: InstanceIdentity;
  logger: Logger;
  queues: QueueRegistry;
  communicator: Communicator;
  /** Aborted on shutdown. */
  signal: AbortSignal;
  now(): Date;
}

/** What one cycle did: `work` > 0 means it found something to do. */
export interface CycleResult {
  work: number;
  [detail: string]: number;
}

export interface Agent {
  readonly name: string;
  runCycle(): Promise<CycleResult>;
}

/** The time that makes a row due at once, whatever the interval (Harvester used now - 1 h). */
export const DUE_NOW = new Date(0);

/** Writes a change set (plus extra writes) in one transaction, with its status history. */
export async function commitChanges(
  ctx: AgentContext,
  agent: string,
  changes: ChangeSet,
  extra?: (em: import('typeorm').EntityManager) => Promise<void>,
): Promise<void> {
  if (changes.size === 0 && changes.history.length === 0 && !extra) return;
  const ids = await changes.allocateHistoryIds(ctx.ids);
  const at = ctx.now();
  await ctx.db.write(async (em) => {
    await changes.write(em, ids, { agent, instance: ctx.identity.instance, at });
    if (extra) await extra(em);
  });
}
