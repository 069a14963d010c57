// Settings of the engine itself (the queues and plugins are the queue configuration). Defaults are
// Harvester's; durations are in milliseconds here (Harvester mixes seconds and minutes).
import { z } from 'zod';

const ms = (def: number) => z.number().int().min(0).default(def);
const count = (def: number) => z.number().int().min(1).default(def);

export const agentScheduleSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Pause between cycles that found work (0: go on at once). */
  busyIntervalMs: ms(0),
  /** Pause between cycles that found nothing to do. */
  idleIntervalMs: ms(60_000),
});

export const engineConfigSchema = z.strictObject({
  /** Names this instance: in lease owners, batch names (`<harvesterId>-<workerID>`) and reports. */
  harvesterId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _, . and -, at most 64'),
  /** How long a plugin call may take before it is abandoned and its items retried later. */
  pluginCallTimeoutMs: ms(300_000),
  jobFetcher: z
    .strictObject({
      schedule: agentScheduleSchema.prefault({}),
      maxJobs: count(500),
      nQueues: count(5),
      lookupIntervalMs: ms(60_000),
    })
    .prefault({}),
  preparator: z
    .strictObject({
      schedule: agentScheduleSchema.prefault({}),
      maxJobs: count(100),
      lockIntervalMs: ms(600_000),
      checkIntervalMs: ms(180_000),
      triggerIntervalMs: ms(180_000),
    })
    .prefault({}),
  submitter: z
    .strictObject({
      schedule: agentScheduleSchema.prefault({}),
      nQueues: count(3),
      lookupIntervalMs: ms(60_000),
      lockIntervalMs: ms(600_000),
      /** Upper bound of new workers per queue and cycle, on top of the queue's own limits. */
      maxNewWorkers: count(1000),
      /** A worker still `pending` after this long had its submission interrupted: reconcile it. */
      pendingTimeoutMs: ms(600_000),
    })
    .prefault({}),
  monitor: z
    .strictObject({
      schedule: agentScheduleSchema.prefault({}),
      maxWorkers: count(500),
      checkIntervalMs: ms(300_000),
      lockIntervalMs: ms(600_000),
      /** A worker the batch system could not tell about for this long is failed. */
      checkTimeoutMs: ms(3_600_000),
      /** A worker queued (submitted/idle, never running) for longer is killed. */
      workerQueueTimeLimitMs: ms(172_800_000),
      /** Post-processing that keeps asking to be retried is given up after this long. */
      postProcessTimeoutMs: ms(1_800_000),
    })
    .prefault({}),
  propagator: z
    .strictObject({
      schedule: agentScheduleSchema.prefault({}),
      maxJobs: count(100),
      nJobsInBulk: count(100),
      maxWorkers: count(100),
      nWorkersInBulk: count(100),
      maxDialogs: count(50),
      /** Heartbeat of jobs that did not change (running jobs). */
      updateIntervalMs: ms(1_800_000),
      /** A report the WMS did not take is sent again after this long. */
      retryIntervalMs: ms(60_000),
      lockIntervalMs: ms(600_000),
    })
    .prefault({}),
  stager: z
    .strictObject({
      schedule: agentScheduleSchema.prefault({}),
      maxJobs: count(100),
      lockIntervalMs: ms(600_000),
      checkIntervalMs: ms(180_000),
      triggerIntervalMs: ms(180_000),
    })
    .prefault({}),
  eventFeeder: z
    .strictObject({
      schedule: agentScheduleSchema.prefault({}),
      maxWorkers: count(500),
      lockIntervalMs: ms(600_000),
    })
    .prefault({}),
  sweeper: z
    .strictObject({
      schedule: agentScheduleSchema.prefault({}),
      maxWorkers: count(500),
      checkIntervalMs: ms(180_000),
      keepFinishedMs: ms(24 * 3_600_000),
      keepFailedMs: ms(72 * 3_600_000),
      keepCancelledMs: ms(72 * 3_600_000),
      keepMissedMs: ms(24 * 3_600_000),
    })
    .prefault({}),
  commandManager: z
    .strictObject({
      schedule: agentScheduleSchema.prefault({}),
      bulkSize: count(20),
      heartbeatIntervalMs: ms(600_000),
    })
    .prefault({}),
});

export type EngineConfig = z.infer<typeof engineConfigSchema>;
export type EngineConfigInput = z.input<typeof engineConfigSchema>;
export type AgentName =
  | 'jobFetcher'
  | 'preparator'
  | 'submitter'
  | 'monitor'
  | 'propagator'
  | 'stager'
  | 'eventFeeder'
  | 'sweeper'
  | 'commandManager';
