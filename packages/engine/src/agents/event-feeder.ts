// EventFeeder: gives event ranges to workers that ask for them (fine-grained jobs).
import type { EventRange } from '@harvester-ts/core';
import { claimRows, releaseRows } from '../db/claims.js';
import { leaseOwner } from '../identity.js';
import { callPlugin, outcomeOf } from '../plugins/plugin-call.js';
import { ChangeSet } from '../repositories/change-set.js';
import { loadWorkersWithJobs } from '../repositories/loaders.js';
import { type Agent, type AgentContext, type CycleResult, commitChanges } from './agent-context.js';
import { WORKER_LEASES } from './job-leases.js';

export class EventFeeder implements Agent {
  readonly name = 'eventFeeder';
  constructor(private readonly ctx: AgentContext) {}

  async runCycle(): Promise<CycleResult> {
    const { ctx } = this;
    const get = ctx.communicator.getEventRanges?.bind(ctx.communicator);
    if (!get) return { work: 0 };
    const owner = leaseOwner(this.name, ctx.identity);
    const ids = await ctx.db.write((em) =>
      claimRows(em, {
        lease: WORKER_LEASES.eventFeeder,
        where: "eventsRequest = 2 AND status IN ('submitted', 'running') AND harvesterID = ?",
        params: [ctx.identity.harvesterId],
        orderBy: 'workerID',
        limit: ctx.config.eventFeeder.maxWorkers,
        owner,
        now: ctx.now(),
        checkIntervalMs: 0,
        lockIntervalMs: ctx.config.eventFeeder.lockIntervalMs,
      }),
    );
    if (ids.length === 0) return { work: 0 };
    const workers = await ctx.db.read((em) => loadWorkersWithJobs(em, ids));
    const changes = new ChangeSet();
    for (const w of workers) {
      const plugins = await ctx.queues.pluginsFor(w.computingSite, w.configID);
      const reqSite = { queue: w.computingSite, section: 'messenger', method: 'eventsRequested' };
      const req = await callPlugin(
        reqSite,
        (c) => plugins.messenger.eventsRequested(w, c),
        ctx.config.pluginCallTimeoutMs,
        ctx.signal,
      );
      if (!req.ok) continue;
      const requests = Object.values(req.value).filter(
        (r) => r && Number.isSafeInteger(r.pandaID) && r.nRanges > 0,
      );
      if (requests.length === 0) {
        changes.worker(w, { eventsRequest: 1, eventsRequestParams: null });
        continue;
      }
      const site = { section: 'communicator', method: 'getEventRanges' };
      const got = outcomeOf<Record<string, EventRange[]>>(
        site,
        await callPlugin(site, (c) => get(requests, false, c), ctx.config.pluginCallTimeoutMs, ctx.signal),
      );
      if (got.kind !== 'success') continue;
      const feedSite = { queue: w.computingSite, section: 'messenger', method: 'feedEvents' };
      const fed = outcomeOf(
        feedSite,
        await callPlugin(
          feedSite,
          (c) => plugins.messenger.feedEvents(w, got.value, c),
          ctx.config.pluginCallTimeoutMs,
          ctx.signal,
        ),
      );
      if (fed.kind === 'success') changes.worker(w, { eventsRequest: 1, eventsRequestParams: null });
    }
    await commitChanges(ctx, this.name, changes, async (em) => {
      await releaseRows(em, WORKER_LEASES.eventFeeder, ids, owner);
    });
    return { work: workers.length, fed: workers.length };
  }
}
