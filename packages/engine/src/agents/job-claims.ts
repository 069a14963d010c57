import type { JobSpec } from '@harvester-ts/core';
import { claimRows, type LeaseColumns } from '../db/claims.js';
import { leaseOwner } from '../identity.js';
import { loadJobsWithFiles } from '../repositories/loaders.js';
import type { AgentContext } from './agent-context.js';

export interface JobClaim {
  owner: string;
  ids: number[];
  /** The claimed jobs with their files. */
  jobs: JobSpec[];
}

/** Claims jobs of this instance's queues that are in `subStatus`, and loads them with their files. */
export async function claimJobsInSubStatus(
  ctx: AgentContext,
  agent: string,
  lease: LeaseColumns,
  subStatus: string,
  options: { limit: number; orderBy: string; checkIntervalMs: number; lockIntervalMs: number },
): Promise<JobClaim> {
  const owner = leaseOwner(agent, ctx.identity);
  const queues = ctx.queues.queueNames();
  if (queues.length === 0) return { owner, ids: [], jobs: [] };
  const ids = await ctx.db.write((em) =>
    claimRows(em, {
      lease,
      where: `subStatus = ? AND computingSite IN (${queues.map(() => '?').join(',')})`,
      params: [subStatus, ...queues],
      orderBy: options.orderBy,
      limit: options.limit,
      owner,
      now: ctx.now(),
      checkIntervalMs: options.checkIntervalMs,
      lockIntervalMs: options.lockIntervalMs,
    }),
  );
  const jobs = ids.length > 0 ? await ctx.db.read((em) => loadJobsWithFiles(em, ids)) : [];
  return { owner, ids, jobs };
}
