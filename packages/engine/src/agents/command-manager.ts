// CommandManager: heartbeats to the WMS, fetches its commands into command_table (acknowledging
// them once stored), and carries them out: KILL_WORKERS / SYNC_WORKERS_KILL mark workers to be
// killed, SET_N_WORKERS_JOBTYPE records a worker target, REPORT_WORKER_STATS sends statistics.
import {
  COMMAND_RECEIVERS,
  CommandName,
  CommandSpec,
  type JsonObject,
  QueueState,
  queueStateKey,
  type WmsCommand,
  WorkSpec,
} from '@harvester-ts/core';
import { In, Not } from 'typeorm';
import { callPlugin, outcomeOf } from '../plugins/plugin-call.js';
import type { Agent, AgentContext, CycleResult } from './agent-context.js';
import { DUE_NOW } from './agent-context.js';

const FINAL = ['finished', 'failed', 'cancelled', 'missed'];

export class CommandManager implements Agent {
  readonly name = 'commandManager';
  private lastHeartbeat = 0;
  private readonly startTime: Date;

  constructor(private readonly ctx: AgentContext) {
    this.startTime = ctx.now();
  }

  async runCycle(): Promise<CycleResult> {
    await this.heartbeat();
    const fetched = await this.fetchCommands();
    const processed = await this.process();
    return { work: fetched + processed, fetched, processed };
  }

  private async heartbeat(): Promise<void> {
    const { ctx } = this;
    const isAlive = ctx.communicator.isAlive?.bind(ctx.communicator);
    const now = ctx.now().getTime();
    if (!isAlive || now - this.lastHeartbeat < ctx.config.commandManager.heartbeatIntervalMs) return;
    const site = { section: 'communicator', method: 'isAlive' };
    const r = outcomeOf(
      site,
      await callPlugin(
        site,
        (c) => isAlive({ startTime: this.startTime, swVersion: 'harvester-ts' }, c),
        ctx.config.pluginCallTimeoutMs,
        ctx.signal,
      ),
    );
    if (r.kind === 'success') this.lastHeartbeat = now;
    else ctx.logger.warn({ agent: this.name, diag: r.diag }, 'heartbeat not delivered');
  }

  private async fetchCommands(): Promise<number> {
    const { ctx } = this;
    const get = ctx.communicator.getCommands?.bind(ctx.communicator);
    if (!get) return 0;
    const site = { section: 'communicator', method: 'getCommands' };
    const r = outcomeOf<WmsCommand[]>(
      site,
      await callPlugin(
        site,
        (c) => get(ctx.config.commandManager.bulkSize, c),
        ctx.config.pluginCallTimeoutMs,
        ctx.signal,
      ),
    );
    if (r.kind !== 'success' || !Array.isArray(r.value) || r.value.length === 0) return 0;
    const rows = r.value
      .filter((c) => c && Number.isSafeInteger(c.commandID) && typeof c.command === 'string')
      .map((c) => {
        const name = c.command.split(':')[0] as CommandName;
        return Object.assign(new CommandSpec(), {
          commandID: c.commandID,
          command: c.command.slice(0, 255),
          receiver: COMMAND_RECEIVERS[name] ?? 'unknown',
          params:
            c.params && typeof c.params === 'object' && !Array.isArray(c.params)
              ? (c.params as JsonObject)
              : { value: c.params as JsonObject[string] },
          ackRequested: Boolean(c.ackRequested),
          processed: false,
          // Whatever the communicator gave (a Date of any realm, an ISO string, epoch ms).
          creationTime: toDate(c.creationDate) ?? ctx.now(),
        });
      });
    await ctx.db.write(async (em) => {
      await em
        .createQueryBuilder()
        .insert()
        .into(CommandSpec)
        .values(rows)
        .orIgnore()
        .updateEntity(false)
        .execute();
    });
    // Stored: now the WMS may forget them.
    const ack = ctx.communicator.ackCommands?.bind(ctx.communicator);
    const toAck = rows.filter((c) => c.ackRequested).map((c) => c.commandID);
    if (ack && toAck.length > 0) {
      const ackSite = { section: 'communicator', method: 'ackCommands' };
      const a = outcomeOf(
        ackSite,
        await callPlugin(ackSite, (c) => ack(toAck, c), ctx.config.pluginCallTimeoutMs, ctx.signal),
      );
      if (a.kind !== 'success')
        ctx.logger.warn(
          { agent: this.name, diag: a.diag },
          'commands not acknowledged; the WMS will send them again',
        );
    }
    return rows.length;
  }

  private async process(): Promise<number> {
    const { ctx } = this;
    const commands = await ctx.db.read((em) =>
      em
        .getRepository(CommandSpec)
        .find({ where: { processed: false }, order: { commandID: 'ASC' }, take: 100 }),
    );
    for (const cmd of commands) {
      const [name, site] = cmd.command.split(':');
      try {
        await this.carryOut(name as CommandName, site ?? '', cmd.params ?? {});
      } catch (err) {
        ctx.logger.error(
          { agent: this.name, command: cmd.command, err: (err as Error).message },
          'command failed',
        );
      }
      await ctx.db.write((em) =>
        em.getRepository(CommandSpec).update({ commandID: cmd.commandID }, { processed: true }),
      );
    }
    return commands.length;
  }

  private async carryOut(name: CommandName, site: string, params: JsonObject): Promise<void> {
    const { ctx } = this;
    const log = ctx.logger.child({ agent: this.name, command: name, site });
    switch (name) {
      case CommandName.KILL_WORKERS:
      case CommandName.SYNC_WORKERS_KILL: {
        const ids = workerIdsOf(params);
        const where: Record<string, unknown> = {
          harvesterID: ctx.identity.harvesterId,
          status: Not(In(FINAL)),
        };
        if (site) where.computingSite = site;
        if (ids) where.workerID = In(ids);
        else if (Array.isArray(params.status))
          where.status = In((params.status as string[]).filter((s) => !FINAL.includes(s)));
        const n = await ctx.db.write(
          async (em) => (await em.getRepository(WorkSpec).update(where, { killTime: DUE_NOW })).affected ?? 0,
        );
        log.info({ workers: n }, 'workers marked to be killed');
        return;
      }
      case CommandName.SET_N_WORKERS_JOBTYPE: {
        const n = Number(params.n ?? params.nWorkers ?? params.value);
        if (!Number.isInteger(n) || n < 0)
          throw new Error(`invalid worker count in ${JSON.stringify(params)}`);
        await ctx.db.write((em) =>
          em.getRepository(QueueState).update({ uniqueName: queueStateKey(site) }, { nNewWorkers: n }),
        );
        log.info({ nNewWorkers: n }, 'worker target recorded');
        return;
      }
      case CommandName.REPORT_WORKER_STATS: {
        const report = ctx.communicator.updateWorkerStats?.bind(ctx.communicator);
        if (!report) return;
        const rows: {
          jobType: string | null;
          resourceType: string | null;
          status: string;
          n: number | string;
        }[] = await ctx.db.read((em) =>
          em.query(
            'SELECT jobType, resourceType, status, COUNT(*) AS n FROM work_table WHERE computingSite = ? GROUP BY jobType, resourceType, status',
            [site],
          ),
        );
        const stats: Record<string, Record<string, Record<string, number>>> = {};
        for (const r of rows) {
          const jt = r.jobType ?? 'ANY';
          const rt = r.resourceType ?? 'ANY';
          stats[jt] ??= {};
          stats[jt][rt] ??= {};
          stats[jt][rt][r.status] = Number(r.n);
        }
        const s = { section: 'communicator', method: 'updateWorkerStats' };
        const res = outcomeOf(
          s,
          await callPlugin(s, (c) => report(site, stats, c), ctx.config.pluginCallTimeoutMs, ctx.signal),
        );
        if (res.kind !== 'success') throw new Error(res.diag);
        return;
      }
      default:
        log.warn('unknown command ignored');
    }
  }
}

function toDate(value: unknown): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const d = new Date(value as string | number);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function workerIdsOf(params: JsonObject): number[] | undefined {
  const raw = params.workerIDs ?? params.value;
  if (!Array.isArray(raw)) return undefined;
  return raw.map(Number).filter((n) => Number.isSafeInteger(n));
}
