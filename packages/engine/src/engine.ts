// The engine: agents over one database, configured queues and a communicator.
//   const engine = await Engine.create({ config, queues, communicator, database });
//   await engine.runUntilIdle({ timeoutMs: 60_000 });   // or engine.start() ... engine.stop()

import { setMaxListeners } from 'node:events';
import {
  type Communicator,
  HarvesterError,
  instantiatePlugin,
  optionsOfSection,
  type PluginContext,
  type QueueConfig,
} from '@harvester-ts/core';
import { type Logger, pino } from 'pino';
import type { DataSource } from 'typeorm';
import type { Agent, AgentContext, CycleResult } from './agents/agent-context.js';
import { CommandManager } from './agents/command-manager.js';
import { EventFeeder } from './agents/event-feeder.js';
import { JobFetcher } from './agents/job-fetcher.js';
import { Monitor } from './agents/monitor.js';
import { Preparator } from './agents/preparator.js';
import { Propagator } from './agents/propagator.js';
import { Stager } from './agents/stager.js';
import { Submitter } from './agents/submitter.js';
import { Sweeper } from './agents/sweeper.js';
import {
  type AgentName,
  type EngineConfig,
  type EngineConfigInput,
  engineConfigSchema,
} from './config/engine-config.js';
import { openDatabase } from './db/data-source.js';
import { Database } from './db/database.js';
import type { DatabaseConfigInput } from './db/database-config.js';
import { IdAllocator } from './db/id-allocator.js';
import { assertNoSchemaDrift, migrate } from './db/migrate.js';
import { type InstanceIdentity, instanceIdentity, leaseOwner } from './identity.js';
import { importModule, type ModuleImporter } from './plugins/module-importer.js';
import { QueueRegistry } from './plugins/queue-registry.js';
import { pluginServices } from './repositories/plugin-services.js';
import { syncQueueStates } from './repositories/queue-states.js';

/** A plugin section naming the communicator: `{ module, name, ...options }`. */
export interface CommunicatorSection {
  module: string;
  name: string;
  [option: string]: unknown;
}

export interface EngineOptions {
  config: EngineConfigInput;
  /** Resolved queues (core's parseQueueConfigFile). */
  queues: Record<string, QueueConfig>;
  communicator: CommunicatorSection | Communicator;
  /** A database configuration (the engine opens and closes it) or an open DataSource. */
  database: DatabaseConfigInput | DataSource;
  /** Where plugin module names are resolved from (the configuration file's directory). */
  baseDir?: string;
  importer?: ModuleImporter;
  logger?: Logger;
  now?: () => Date;
  /** Apply pending migrations at start (default true); the schema must match either way. */
  migrate?: boolean;
}

export class EngineTimeoutError extends HarvesterError {
  constructor(timeoutMs: number, last: Record<string, CycleResult>) {
    super('ENGINE_TIMEOUT', `the engine was still busy after ${timeoutMs} ms`, { timeoutMs, last });
  }
}

/** The order agents run in within one round of runOnce. */
const ORDER: AgentName[] = [
  'commandManager',
  'jobFetcher',
  'preparator',
  'submitter',
  'monitor',
  'eventFeeder',
  'stager',
  'propagator',
  'sweeper',
];

export class Engine {
  private readonly controller = newShutdownController();
  private loops: Promise<void>[] = [];
  private running = false;

  private constructor(
    readonly config: EngineConfig,
    readonly db: Database,
    readonly identity: InstanceIdentity,
    readonly logger: Logger,
    private readonly agents: Map<AgentName, Agent>,
    private readonly ownsDataSource: boolean,
  ) {}

  static async create(options: EngineOptions): Promise<Engine> {
    const config = engineConfigSchema.parse(options.config);
    const logger =
      options.logger ??
      pino({ level: process.env.HARVESTER_LOG_LEVEL ?? 'info', base: { harvesterId: config.harvesterId } });
    const now = options.now ?? (() => new Date());
    const ownsDataSource = !('initialize' in (options.database as object));
    const ds = ownsDataSource
      ? await openDatabase(options.database as DatabaseConfigInput)
      : (options.database as DataSource);
    try {
      if (!ds.isInitialized) await ds.initialize();
      if (options.migrate !== false) {
        const report = await migrate(ds);
        if (report.applied.length > 0) logger.info({ applied: report.applied }, 'database migrated');
      }
      await assertNoSchemaDrift(ds);
      const db = new Database(ds);
      const ids = new IdAllocator(db);
      const identity = instanceIdentity(config.harvesterId);
      const engine = new Engine(config, db, identity, logger, new Map(), ownsDataSource);
      const contextFor = (
        queueName: string | undefined,
        configID: number | undefined,
        section: string,
        moduleName: string,
      ): PluginContext => ({
        logger: logger.child({ queue: queueName, plugin: section }),
        harvesterId: config.harvesterId,
        queueName,
        siteName: queueName,
        configID,
        signal: engine.controller.signal,
        services: pluginServices({ db, ids, owner: `${section}-${identity.instance}`, moduleName, now }),
      });
      const communicator = await loadCommunicator(options.communicator, options, contextFor);
      const queues = new QueueRegistry({
        db,
        ids,
        importer: options.importer ?? importModule,
        baseDir: options.baseDir ?? process.cwd(),
        contextFor: (queue, configID, section, moduleName) =>
          contextFor(queue.queueName, configID, section, moduleName),
        now,
      });
      await queues.register(options.queues);
      // Load every queue's plugins now: a bad module, export or option stops the start with a
      // message naming the queue, section and option, instead of surfacing as endless retries.
      for (const name of queues.queueNames()) await queues.pluginsFor(name);
      await syncQueueStates(db, Object.values(options.queues));
      const ctx: AgentContext = {
        db,
        ids,
        config,
        identity,
        logger,
        queues,
        communicator,
        signal: engine.controller.signal,
        now,
      };
      const agents: [AgentName, Agent][] = [
        ['commandManager', new CommandManager(ctx)],
        ['jobFetcher', new JobFetcher(ctx)],
        ['preparator', new Preparator(ctx)],
        ['submitter', new Submitter(ctx)],
        ['monitor', new Monitor(ctx)],
        ['eventFeeder', new EventFeeder(ctx)],
        ['stager', new Stager(ctx)],
        ['propagator', new Propagator(ctx)],
        ['sweeper', new Sweeper(ctx)],
      ];
      for (const [name, agent] of agents) engine.agents.set(name, agent);
      await engine.releaseLeasesOfDeadProcesses();
      return engine;
    } catch (err) {
      if (ownsDataSource && ds.isInitialized) await ds.destroy();
      throw err;
    }
  }

  private enabled(name: AgentName): boolean {
    return this.config[name].schedule.enabled;
  }

  /** One cycle of every enabled agent, in pipeline order. A failing agent does not stop the others. */
  async runOnce(): Promise<Record<string, CycleResult>> {
    const out: Record<string, CycleResult> = {};
    for (const name of ORDER) {
      if (!this.enabled(name)) continue;
      out[name] = await this.cycle(name);
    }
    return out;
  }

  /** One cycle of one agent (for tools and tests that drive the pipeline step by step). */
  async runAgent(name: AgentName): Promise<CycleResult> {
    return this.cycle(name);
  }

  private async cycle(name: AgentName): Promise<CycleResult> {
    try {
      return await this.agents.get(name)!.runCycle();
    } catch (err) {
      this.logger.error({ agent: name, err }, 'agent cycle failed');
      // A failed cycle must not keep its rows for the whole lock interval: one agent of a process
      // runs one cycle at a time, so every lease this owner holds belongs to the failed cycle.
      try {
        await releaseLeasesOf(this.db, leaseOwner(name, this.identity), 'exact');
      } catch (releaseErr) {
        this.logger.error(
          { agent: name, err: releaseErr },
          'releasing the leases of the failed cycle failed',
        );
      }
      return { work: 0, error: 1 };
    }
  }

  /**
   * Runs rounds until `idleRounds` consecutive rounds find nothing to do, or throws
   * EngineTimeoutError after `timeoutMs`.
   */
  async runUntilIdle({
    timeoutMs = 60_000,
    idleRounds = 2,
  }: {
    timeoutMs?: number;
    idleRounds?: number;
  } = {}): Promise<{ rounds: number }> {
    const deadline = Date.now() + timeoutMs;
    let idle = 0;
    let rounds = 0;
    let last: Record<string, CycleResult> = {};
    while (idle < idleRounds) {
      if (Date.now() > deadline) throw new EngineTimeoutError(timeoutMs, last);
      last = await this.runOnce();
      rounds++;
      const work = Object.values(last).reduce((n, r) => n + r.work, 0);
      idle = work === 0 ? idle + 1 : 0;
    }
    return { rounds };
  }

  /**
   * Frees the leases held by earlier processes of this harvester on this host that are gone (a
   * crash, SIGKILL, a reboot): their rows come back at once instead of after lockIntervalMs. Only
   * this host's processes can be checked; a pid that is alive (ours or reused) keeps its leases.
   * Returns the instances whose leases were freed.
   */
  async releaseLeasesOfDeadProcesses(): Promise<string[]> {
    const { harvesterId, host, pid } = this.identity;
    const prefix = `${harvesterId}@${host}:`;
    const owners = new Set<string>();
    for (const [table, column] of LEASE_COLUMNS) {
      const rows: { owner: string }[] = await this.db.read((em) =>
        em.query(`SELECT DISTINCT ${column} AS owner FROM ${table} WHERE ${column} IS NOT NULL`),
      );
      for (const r of rows) owners.add(r.owner);
    }
    const dead = new Set<string>();
    for (const owner of owners) {
      const at = owner.indexOf(`-${prefix}`);
      if (at < 0) continue;
      const instance = owner.slice(at + 1);
      const ownerPid = Number(instance.slice(prefix.length));
      if (!Number.isInteger(ownerPid) || ownerPid <= 0 || ownerPid === pid) continue;
      if (!processAlive(ownerPid)) dead.add(instance);
    }
    for (const instance of dead) await releaseLeasesOf(this.db, instance);
    if (dead.size > 0) this.logger.info({ instances: [...dead] }, 'released the leases of dead processes');
    return [...dead];
  }

  /** Starts one loop per enabled agent; each sleeps between cycles per its schedule. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const name of ORDER) {
      if (!this.enabled(name)) continue;
      this.loops.push(this.loop(name));
    }
    this.logger.info({ instance: this.identity.instance }, 'engine started');
  }

  private async loop(name: AgentName): Promise<void> {
    const { busyIntervalMs, idleIntervalMs } = this.config[name].schedule;
    const signal = this.controller.signal;
    while (!signal.aborted) {
      const r = await this.cycle(name);
      await sleep(r.work > 0 ? busyIntervalMs : idleIntervalMs, signal);
    }
  }

  /** Graceful stop: lets each cycle in flight finish, releases this process's leases, closes. */
  async stop(): Promise<void> {
    this.controller.abort(new Error('engine stopping'));
    await Promise.allSettled(this.loops);
    this.loops = [];
    this.running = false;
    if (this.db.ds.isInitialized) {
      await releaseLeasesOf(this.db, this.identity.instance);
      if (this.ownsDataSource) await this.db.ds.destroy();
    }
    this.logger.info({ instance: this.identity.instance }, 'engine stopped');
  }
}

/** Every plugin call in flight listens to the shutdown signal: many listeners are normal. */
function newShutdownController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

async function loadCommunicator(
  spec: CommunicatorSection | Communicator,
  options: EngineOptions,
  contextFor: (
    q: string | undefined,
    c: number | undefined,
    section: string,
    moduleName: string,
  ) => PluginContext,
): Promise<Communicator> {
  if (typeof (spec as Communicator).getJobs === 'function') return spec as Communicator;
  const section = spec as CommunicatorSection;
  const mod = await (options.importer ?? importModule)(section.module, options.baseDir ?? process.cwd());
  return instantiatePlugin(
    mod[section.name],
    'communicator',
    optionsOfSection(section),
    contextFor(undefined, undefined, 'communicator', section.module),
    {
      section: 'communicator',
      module: section.module,
      exportName: section.name,
    },
  );
}

/** Every lease column (the owner of a claimed row). */
const LEASE_COLUMNS = [
  ['job_table', 'lockedBy'],
  ['job_table', 'stagerLock'],
  ['job_table', 'propagatorLock'],
  ['work_table', 'eventFeedLock'],
  ['pq_table', 'lockedBy'],
  ['work_table', 'lockedBy'],
] as const;

/** Whether a process of this host exists (EPERM: it exists, owned by someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Frees leases (their work is then taken up at once): every lease of a process (`instance`,
 * matched as the owner suffix) or of one owner (`exact`).
 */
async function releaseLeasesOf(
  db: Database,
  who: string,
  match: 'instance' | 'exact' = 'instance',
): Promise<void> {
  // LIKE only for the suffix match; an exact owner is compared with = (no wildcard surprises).
  // ESCAPE '!' because SQLite has no default LIKE escape and the two disagree on backslashes.
  const op = match === 'instance' ? "LIKE ? ESCAPE '!'" : '= ?';
  const pattern = match === 'instance' ? `%-${who.replace(/[!%_]/g, (c) => `!${c}`)}` : who;
  await db.write(async (em) => {
    for (const [table, column] of LEASE_COLUMNS) {
      if (table === 'work_table' && column === 'lockedBy') continue;
      await em.query(`UPDATE ${table} SET ${column} = NULL WHERE ${column} ${op}`, [pattern]);
    }
    // Pending workers stay owned: only reconciliation may decide about them.
    await em.query(`UPDATE work_table SET lockedBy = NULL WHERE lockedBy ${op} AND status <> 'pending'`, [
      pattern,
    ]);
  });
}
