// The top-level keys of a queue (Harvester's QueueConfig attributes), as plain validators without
// defaults. A queue entry in the file makes every key optional (a template may provide it); the
// resolved queue adds Harvester's defaults (queue-config.ts). Types are strict: Harvester silently
// turns a limit that is not an integer into "no limit" and a negative one into 0; we reject both.
import { z } from 'zod';
import { JOB_STATUSES } from '../status/job-status.js';
import { MAP_TYPES, type MapType } from '../status/worker-status.js';

/** `queueStatus` values. `offline` queues are not run; standby/maintenance get no new workers. */
export const QUEUE_STATUSES = ['online', 'offline', 'standby', 'maintenance'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

/** `runMode`: `self` decides the number of workers itself, `slave` follows the WMS (UPS commands). */
export const RUN_MODES = ['self', 'slave'] as const;
export type RunMode = (typeof RUN_MODES)[number];

/** Job statuses that `noHeartbeat` may list: what the harvester reports to the WMS. */
export const NO_HEARTBEAT_STATUSES = [...JOB_STATUSES, 'transferring', 'holding'] as const;
export type NoHeartbeatStatus = (typeof NO_HEARTBEAT_STATUSES)[number];

/** `noHeartbeat` of a truePilot queue that does not set it (the pilot reports these itself). */
export const TRUE_PILOT_NO_HEARTBEAT: readonly NoHeartbeatStatus[] = [
  'running',
  'transferring',
  'finished',
  'failed',
];

/** Limits on queued workers (per queue) — Harvester's `get_worker_limits`. */
export const WORKER_LIMIT_KEYS = [
  'nQueueLimitWorker',
  'nQueueLimitWorkerMax',
  'nQueueLimitWorkerRatio',
  'nQueueLimitWorkerMin',
  'nQueueLimitWorkerCores',
  'nQueueLimitWorkerCoresRatio',
  'nQueueLimitWorkerCoresMin',
  'nQueueLimitWorkerMemory',
  'nQueueLimitWorkerMemoryRatio',
  'nQueueLimitWorkerMemoryMin',
] as const;

/** Limits on prefetched (starting) jobs; meaningless, and nullified, for NoJob (pull) queues. */
export const JOB_LIMIT_KEYS = [
  'nQueueLimitJob',
  'nQueueLimitJobMax',
  'nQueueLimitJobRatio',
  'nQueueLimitJobMin',
  'nQueueLimitJobCores',
  'nQueueLimitJobCoresRatio',
  'nQueueLimitJobCoresMin',
] as const;

export type QueueLimitKey = (typeof WORKER_LIMIT_KEYS)[number] | (typeof JOB_LIMIT_KEYS)[number];

const STATUS_ALTERNATION = NO_HEARTBEAT_STATUSES.join('|');
const NO_HEARTBEAT_PATTERN = new RegExp(
  `^\\s*(?:(?:${STATUS_ALTERNATION})\\s*(?:,\\s*(?:${STATUS_ALTERNATION})\\s*)*)?$`,
);
const CRITERIA_PATTERN = /^\s*[^\s=,]+\s*=[^=,]*(?:,\s*[^\s=,]+\s*=[^=,]*)*$/;

const nonEmpty = () => z.string().min(1, 'must not be empty');
/** A count: integer ≥ 0. */
const count = () => z.int().min(0, 'must not be negative');
/** A limit: a count, or null for "no limit". */
const limit = () => count().nullable();
/** A percentage of the running amount (Harvester's *Ratio limits), ≥ 0. */
const ratio = () => z.int().min(0, 'must not be negative').nullable();

export const noHeartbeatSchema = z.union(
  [
    z
      .string()
      .regex(
        NO_HEARTBEAT_PATTERN,
        `must be a comma-separated list of job statuses (${NO_HEARTBEAT_STATUSES.join(', ')})`,
      ),
    z.array(z.enum(NO_HEARTBEAT_STATUSES)),
  ],
  { error: 'expected a comma-separated string or an array of job statuses' },
);

export const getJobCriteriaSchema = z
  .union(
    [
      z.string().regex(CRITERIA_PATTERN, "must look like 'key=value,key=value'"),
      z.record(nonEmpty(), z.union([z.string(), z.number(), z.boolean()])),
    ],
    { error: "expected a 'key=value,key=value' string or an object of criteria" },
  )
  .nullable();

export const permilleWeightsSchema = z
  .record(nonEmpty(), z.int().min(0, 'must not be negative').max(1000, 'must be at most 1000 (permille)'))
  .superRefine((weights, ctx) => {
    const total = Object.values(weights).reduce((sum, w) => sum + w, 0);
    if (total > 1000) {
      ctx.addIssue({
        code: 'custom',
        message: `the weights add up to ${total}‰, more than 1000‰`,
      });
    }
  });

const mapTypes = MAP_TYPES as readonly [MapType, ...MapType[]];

/** Validators of the non-plugin top-level keys, with their documentation for the JSON Schema. */
export const QUEUE_FIELDS = {
  // identity and templates
  templateQueueName: {
    schema: nonEmpty(),
    description: 'Name of the template queue this queue is based on (template ← queue).',
  },
  isTemplateQueue: {
    schema: z.boolean(),
    description: 'Marks the entry as a template (so do names ending in _TEMPLATE); templates are not run.',
  },
  queueStatus: {
    schema: z.enum(QUEUE_STATUSES),
    default: 'online',
    description: 'offline: the queue is not run; standby/maintenance: no new workers are submitted.',
  },
  siteName: {
    schema: nonEmpty(),
    description: 'WMS site (PanDA queue) name. Default: the queue name before any "/resourceType".',
  },
  siteFamily: { schema: nonEmpty(), description: 'Site family. Default: siteName.' },
  prodSourceLabel: {
    schema: nonEmpty(),
    default: 'managed',
    description: 'Job source label requested from the WMS (managed, user, test, ...).',
  },
  prodSourceLabelRandomWeightsPermille: {
    schema: permilleWeightsSchema,
    default: {},
    description:
      'Other labels to request at random, in permille; the rest of the 1000‰ goes to prodSourceLabel.',
  },
  prioritizedProdSourceLabels: {
    schema: z.array(nonEmpty()),
    default: [],
    description: 'Source labels whose jobs go first.',
  },
  jobType: { schema: nonEmpty(), default: 'ANY', description: 'Job type; ANY is the catch-all.' },
  resourceType: {
    schema: nonEmpty(),
    default: 'ANY',
    description: 'Resource type (SCORE, MCORE, ...); taken from the name for "PQ/resourceType" entries.',
  },
  // mode
  mapType: {
    schema: z.enum(mapTypes),
    default: 'OneToOne',
    description:
      'How jobs map to workers: NoJob (pull: workers fetch their jobs), OneToOne, ManyToOne (several jobs per worker), OneToMany (one job over several workers).',
  },
  useJobLateBinding: {
    schema: z.boolean(),
    default: false,
    description: 'Give jobs to workers only once they run (ready workers ask for jobs).',
  },
  truePilot: {
    schema: z.boolean(),
    default: false,
    description:
      'The pilot reports job status itself; implies noHeartbeat running,transferring,finished,failed.',
  },
  runMode: {
    schema: z.enum(RUN_MODES),
    default: 'self',
    description: 'self: the harvester decides how many workers; slave: the WMS does (UPS commands).',
  },
  noHeartbeat: {
    schema: noHeartbeatSchema,
    default: '',
    description: 'Job statuses not reported to the WMS (comma-separated string or array).',
  },
  getJobCriteria: {
    schema: getJobCriteriaSchema,
    default: null,
    description: "Extra criteria sent when fetching jobs: 'key=value,key=value' or an object.",
  },
  allowJobMixture: {
    schema: z.boolean(),
    default: false,
    description: 'Allow jobs of different tasks in one worker (ManyToOne).',
  },
  maxSubmissionAttempts: {
    schema: z.int().min(1, 'must be at least 1'),
    default: 3,
    description: 'Submission attempts of a job before it fails.',
  },
  prefetchEvents: {
    schema: z.boolean(),
    default: true,
    description: 'Fetch event ranges of event-service jobs before the worker asks.',
  },
  initEventsMultipler: {
    schema: z.int().min(1, 'must be at least 1'),
    default: 2,
    description: 'Event ranges prefetched per core (spelt as in Harvester).',
  },
  scatteredEvents: {
    schema: z.boolean(),
    default: false,
    description: 'Event ranges of a job may be spread over several workers.',
  },
  zipPerMB: {
    schema: z.int().min(1, 'must be at least 1').nullable(),
    default: null,
    description: 'Zip outputs in files of about this many MB; null: no zipping.',
  },
  ddmEndpointIn: {
    schema: nonEmpty().nullable(),
    default: null,
    description: 'Storage endpoint inputs are read from.',
  },
  walltimeLimit: {
    schema: z.int().min(1, 'must be at least 1').nullable(),
    default: null,
    description: 'Wall-time limit of a worker in seconds (used by worker makers).',
  },
  // limits
  maxWorkers: {
    schema: count(),
    default: 0,
    description: 'Maximum number of workers (queued + running). The default 0 submits nothing.',
  },
  maxNewWorkersPerCycle: {
    schema: count(),
    default: 0,
    description: 'Maximum workers submitted in one cycle; 0: no extra limit.',
  },
  nNewWorkers: {
    schema: count(),
    default: 0,
    description: 'Workers to submit when the WMS drives the queue (runMode slave).',
  },
  nQueueLimitWorker: {
    schema: limit(),
    default: null,
    description: 'Maximum queued workers (submitted, ready, idle); null: no limit. At most maxWorkers.',
  },
  nQueueLimitWorkerMax: {
    schema: limit(),
    default: null,
    description: 'Deprecated alias of nQueueLimitWorker (the smaller of both applies).',
  },
  nQueueLimitWorkerRatio: {
    schema: ratio(),
    default: null,
    description: 'Queued workers as a percentage of running workers (NoJob queues only).',
  },
  nQueueLimitWorkerMin: {
    schema: limit(),
    default: null,
    description: 'Queued workers always allowed whatever the ratio (NoJob queues only).',
  },
  nQueueLimitWorkerCores: { schema: limit(), default: null, description: 'Maximum cores of queued workers.' },
  nQueueLimitWorkerCoresRatio: {
    schema: ratio(),
    default: null,
    description: 'Cores of queued workers as a percentage of cores of running workers.',
  },
  nQueueLimitWorkerCoresMin: {
    schema: limit(),
    default: null,
    description: 'Queued cores always allowed whatever the ratio.',
  },
  nQueueLimitWorkerMemory: {
    schema: limit(),
    default: null,
    description: 'Maximum memory (MB) of queued workers.',
  },
  nQueueLimitWorkerMemoryRatio: {
    schema: ratio(),
    default: null,
    description: 'Memory of queued workers as a percentage of memory of running workers.',
  },
  nQueueLimitWorkerMemoryMin: {
    schema: limit(),
    default: null,
    description: 'Queued memory (MB) always allowed whatever the ratio.',
  },
  nQueueLimitJob: {
    schema: limit(),
    default: null,
    description: 'Maximum prefetched (starting) jobs; null: no limit. Ignored for NoJob queues.',
  },
  nQueueLimitJobMax: {
    schema: limit(),
    default: null,
    description: 'Deprecated alias of nQueueLimitJob (the smaller of both applies).',
  },
  nQueueLimitJobRatio: {
    schema: ratio(),
    default: null,
    description: 'Starting jobs as a percentage of running jobs.',
  },
  nQueueLimitJobMin: {
    schema: limit(),
    default: null,
    description: 'Starting jobs always allowed whatever the ratio.',
  },
  nQueueLimitJobCores: { schema: limit(), default: null, description: 'Maximum cores of starting jobs.' },
  nQueueLimitJobCoresRatio: {
    schema: ratio(),
    default: null,
    description: 'Cores of starting jobs as a percentage of cores of running jobs.',
  },
  nQueueLimitJobCoresMin: {
    schema: limit(),
    default: null,
    description: 'Starting cores always allowed whatever the ratio.',
  },
} as const satisfies Record<string, { schema: z.ZodType; default?: unknown; description: string }>;

export type QueueFieldName = keyof typeof QUEUE_FIELDS;
