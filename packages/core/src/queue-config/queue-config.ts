// One resolved, concrete queue: its template merged in, Harvester's defaults applied, mandatory
// plugin sections present (preparator and stager only for queues that carry jobs: not for NoJob),
// `common` merged into every plugin section and Harvester's sanity rules on limits applied.
// Parsing a resolved QueueConfig again gives the same QueueConfig, so a stored snapshot
// (QueueConfigDump) can be validated with the same schema.
import { z } from 'zod';
import { MAP_TYPES, MapType } from '../status/worker-status.js';
import { cloneConfigValue } from './clone.js';
import {
  JOB_LIMIT_KEYS,
  type NoHeartbeatStatus,
  QUEUE_FIELDS,
  type QueueFieldName,
  type QueueLimitKey,
  TRUE_PILOT_NO_HEARTBEAT,
  WORKER_LIMIT_KEYS,
} from './fields.js';
import {
  type CommonOptions,
  commonSectionSchema,
  JOB_PLUGIN_SECTIONS,
  type JobPluginSectionName,
  MANDATORY_PLUGIN_SECTIONS,
  type MandatoryPluginSectionName,
  mandatorySectionSchema,
  type messengerSectionSchema,
  missingJobSectionMessage,
  OPTIONAL_PLUGIN_SECTIONS,
  type OptionalPluginSectionName,
  type PluginSection,
  pluginSectionSchema,
} from './plugin-section.js';

type FieldSpecs = typeof QUEUE_FIELDS;
/** Keys whose default depends on other keys (or on whether they were set), applied in `normalize`. */
type DerivedKey = 'siteName' | 'siteFamily' | 'maxWorkers' | 'templateQueueName';
type ResolvedFieldKey = Exclude<QueueFieldName, 'isTemplateQueue'>;

type ResolvedFieldShape = {
  [K in ResolvedFieldKey]: K extends DerivedKey
    ? z.ZodOptional<FieldSpecs[K]['schema']>
    : z.ZodDefault<FieldSpecs[K]['schema']>;
};

const DERIVED_KEYS: ReadonlySet<string> = new Set<DerivedKey>([
  'siteName',
  'siteFamily',
  'maxWorkers',
  'templateQueueName',
]);

function resolvedFieldShape(): ResolvedFieldShape {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, spec] of Object.entries(QUEUE_FIELDS)) {
    if (key === 'isTemplateQueue') continue;
    if (DERIVED_KEYS.has(key) || !('default' in spec)) {
      shape[key] = spec.schema.optional();
    } else {
      const value = spec.default;
      // A fresh copy per parse: resolved queues never share a default object or array.
      shape[key] = (spec.schema as z.ZodType<unknown>).default(() => cloneConfigValue(value));
    }
  }
  return shape as ResolvedFieldShape;
}

// The mandatory section schemas differ from these only by their "missing section" message.
// preparator and stager may be absent here: whether the queue needs them depends on its mapType,
// which `checkJobSections` checks.
type SectionShape = {
  [K in Exclude<MandatoryPluginSectionName, 'messenger'>]: typeof pluginSectionSchema;
} & { messenger: typeof messengerSectionSchema } & {
  [K in JobPluginSectionName | OptionalPluginSectionName]: z.ZodOptional<
    z.ZodNullable<typeof pluginSectionSchema>
  >;
};

function sectionShape(): SectionShape {
  const shape: Record<string, z.ZodType> = {};
  for (const section of MANDATORY_PLUGIN_SECTIONS) shape[section] = mandatorySectionSchema(section);
  for (const section of [...JOB_PLUGIN_SECTIONS, ...OPTIONAL_PLUGIN_SECTIONS]) {
    shape[section] = pluginSectionSchema.nullable().optional();
  }
  return shape as SectionShape;
}

const resolvedObjectSchema = z.strictObject({
  queueName: z.string().min(1, 'must not be empty'),
  ...resolvedFieldShape(),
  ...sectionShape(),
  credmanagers: z.array(pluginSectionSchema).default(() => []),
  common: commonSectionSchema.default(() => ({})),
});
type ParsedQueue = z.output<typeof resolvedObjectSchema>;

/** Limits in force, after Harvester's sanity rules. */
export type QueueLimits = Record<QueueLimitKey, number | null>;

/**
 * Harvester's sanity rules on limits (queue_config_mapper): NoJob queues fetch no jobs, so every
 * job limit is nullified; job-bound queues ignore the worker Ratio/Min limits; nQueueLimitWorker
 * and its deprecated alias nQueueLimitWorkerMax are clamped to maxWorkers (both take the smaller
 * value) and every *Min to the limit it qualifies. Clamping changes no behaviour: the worker
 * adjuster caps by maxWorkers anyway. Pure and idempotent.
 */
export function applyLimitRules(mapType: MapType, maxWorkers: number, input: QueueLimits): QueueLimits {
  const l: QueueLimits = { ...input };
  if (mapType === MapType.NoJob) {
    for (const key of JOB_LIMIT_KEYS) l[key] = null;
  } else {
    l.nQueueLimitWorkerRatio = null;
    l.nQueueLimitWorkerMin = null;
  }
  if (l.nQueueLimitWorker !== null && l.nQueueLimitWorkerMax !== null) {
    const v = Math.min(l.nQueueLimitWorker, l.nQueueLimitWorkerMax, maxWorkers);
    l.nQueueLimitWorker = v;
    l.nQueueLimitWorkerMax = v;
  } else if (l.nQueueLimitWorker !== null) {
    l.nQueueLimitWorker = Math.min(l.nQueueLimitWorker, maxWorkers);
  } else if (l.nQueueLimitWorkerMax !== null) {
    l.nQueueLimitWorkerMax = Math.min(l.nQueueLimitWorkerMax, maxWorkers);
    l.nQueueLimitWorker = l.nQueueLimitWorkerMax;
  }
  if (l.nQueueLimitWorkerMin !== null && l.nQueueLimitWorker !== null) {
    l.nQueueLimitWorkerMin = Math.min(l.nQueueLimitWorkerMin, l.nQueueLimitWorker, maxWorkers);
  }
  if (l.nQueueLimitWorkerCoresMin !== null && l.nQueueLimitWorkerCores !== null) {
    l.nQueueLimitWorkerCoresMin = Math.min(l.nQueueLimitWorkerCoresMin, l.nQueueLimitWorkerCores);
  }
  if (l.nQueueLimitWorkerMemoryMin !== null && l.nQueueLimitWorkerMemory !== null) {
    l.nQueueLimitWorkerMemoryMin = Math.min(l.nQueueLimitWorkerMemoryMin, l.nQueueLimitWorkerMemory);
  }
  if (l.nQueueLimitJob !== null && l.nQueueLimitJobMax !== null) {
    const v = Math.min(l.nQueueLimitJob, l.nQueueLimitJobMax);
    l.nQueueLimitJob = v;
    l.nQueueLimitJobMax = v;
  } else if (l.nQueueLimitJobMax !== null) {
    l.nQueueLimitJob = l.nQueueLimitJobMax;
  }
  if (l.nQueueLimitJobMin !== null && l.nQueueLimitJob !== null) {
    l.nQueueLimitJobMin = Math.min(l.nQueueLimitJobMin, l.nQueueLimitJob);
  }
  if (l.nQueueLimitJobCoresMin !== null && l.nQueueLimitJobCores !== null) {
    l.nQueueLimitJobCoresMin = Math.min(l.nQueueLimitJobCoresMin, l.nQueueLimitJobCores);
  }
  return l;
}

/** `common` merged into a section: the section's own keys win. */
export function mergeCommonOptions<S extends PluginSection>(section: S, common: CommonOptions): S {
  const merged: Record<string, unknown> = { ...section };
  for (const [key, value] of Object.entries(common)) {
    if (!Object.hasOwn(merged, key)) merged[key] = cloneConfigValue(value);
  }
  return merged as S;
}

function parseNoHeartbeat(value: ParsedQueue['noHeartbeat']): NoHeartbeatStatus[] {
  const list =
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : [...value];
  return [...new Set(list)] as NoHeartbeatStatus[];
}

function parseCriteria(
  value: ParsedQueue['getJobCriteria'],
): Record<string, string | number | boolean> | null {
  if (value === null) return null;
  if (typeof value !== 'string') return Object.keys(value).length === 0 ? null : { ...value };
  const criteria: Record<string, string> = {};
  for (const item of value.split(',')) {
    const [key = '', val = ''] = item.split('=');
    if (key.trim() !== '') criteria[key.trim()] = val.trim();
  }
  return Object.keys(criteria).length === 0 ? null : criteria;
}

function limitsOf(q: ParsedQueue): QueueLimits {
  const limits = {} as QueueLimits;
  for (const key of [...WORKER_LIMIT_KEYS, ...JOB_LIMIT_KEYS]) limits[key] = q[key];
  return limits;
}

function checkQueue(q: ParsedQueue, ctx: z.RefinementCtx): void {
  if (q.maxWorkers === undefined) {
    const key = (['nQueueLimitWorker', 'nQueueLimitWorkerMax'] as const).find((k) => (q[k] ?? 0) > 0);
    if (key !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxWorkers'],
        message:
          `required when ${key} is set (${q[key]}): maxWorkers defaults to 0, ` +
          'which would never submit a worker',
      });
    }
  }
}

/**
 * A queue that carries jobs (every mapType but NoJob) must have a preparator and a stager, like
 * in Harvester; a NoJob queue, whose pilots fetch their own jobs and move their own data, may
 * leave them out. Runs even when other keys are invalid (so that every missing section is
 * reported at once), but not when the mapType itself is invalid: its own issue says enough.
 */
function checkJobSections(value: unknown, ctx: z.RefinementCtx): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const q = value as Record<string, unknown>;
  // The default applies when the queue does not set it (the object schema has filled it in).
  const mapType = q.mapType ?? MapType.OneToOne;
  if (!(MAP_TYPES as readonly unknown[]).includes(mapType) || mapType === MapType.NoJob) return;
  for (const section of JOB_PLUGIN_SECTIONS) {
    if (q[section] === undefined || q[section] === null) {
      ctx.addIssue({ code: 'custom', path: [section], message: missingJobSectionMessage(section) });
    }
  }
}

function normalizeQueue(q: ParsedQueue) {
  const {
    siteName,
    siteFamily,
    maxWorkers,
    noHeartbeat,
    getJobCriteria,
    submitter,
    monitor,
    sweeper,
    messenger,
    preparator,
    stager,
    workerMaker,
    throttler,
    zipper,
    aux_preparator,
    extractor,
    common,
    ...rest
  } = q;
  const site = siteName ?? q.queueName.split('/')[0] ?? q.queueName;
  const max = maxWorkers ?? 0;
  const heartbeatless = parseNoHeartbeat(noHeartbeat);
  const withCommon = <S extends PluginSection>(section: S): S => mergeCommonOptions(section, common);
  const optional = <K extends JobPluginSectionName | OptionalPluginSectionName>(
    key: K,
    section: PluginSection | null | undefined,
  ) => (section ? { [key]: withCommon(section) } : {}) as Partial<Record<K, PluginSection>>;
  return {
    ...rest,
    siteName: site,
    siteFamily: siteFamily ?? site,
    maxWorkers: max,
    noHeartbeat: q.truePilot && heartbeatless.length === 0 ? [...TRUE_PILOT_NO_HEARTBEAT] : heartbeatless,
    getJobCriteria: parseCriteria(getJobCriteria),
    ...applyLimitRules(q.mapType, max, limitsOf(q)),
    submitter: withCommon(submitter),
    monitor: withCommon(monitor),
    sweeper: withCommon(sweeper),
    messenger: withCommon(messenger),
    ...optional('preparator', preparator),
    ...optional('stager', stager),
    workerMaker: withCommon(workerMaker),
    ...optional('throttler', throttler),
    ...optional('zipper', zipper),
    ...optional('aux_preparator', aux_preparator),
    ...optional('extractor', extractor),
    common,
  };
}

type NormalizedQueue = ReturnType<typeof normalizeQueue>;
/** What every resolved queue has, whatever its mapType. */
export type QueueConfigBase = Omit<NormalizedQueue, 'mapType' | JobPluginSectionName>;
/** The mapTypes of queues that carry jobs (all but NoJob). */
export type JobMapType = Exclude<MapType, typeof MapType.NoJob>;

/** A resolved queue that carries jobs: it always has a preparator and a stager. */
export type JobQueueConfig = QueueConfigBase & {
  mapType: JobMapType;
  preparator: PluginSection;
  stager: PluginSection;
};

/**
 * A resolved NoJob (pull) queue: its pilots fetch their own jobs and move their own data, so a
 * preparator and a stager are optional (and never called: the queue has no jobs).
 */
export type NoJobQueueConfig = QueueConfigBase & {
  mapType: typeof MapType.NoJob;
  preparator?: PluginSection;
  stager?: PluginSection;
};

/**
 * A resolved queue: defaults applied, every mandatory plugin section present. Narrow on
 * `mapType` to read `preparator` or `stager`: only a NoJob queue may lack them.
 */
export type QueueConfig = JobQueueConfig | NoJobQueueConfig;

function normalize(q: ParsedQueue): QueueConfig {
  const queue = normalizeQueue(q);
  // checkJobSections has rejected a queue with jobs that lacks either section.
  return queue as QueueConfig;
}

/**
 * One concrete queue after template resolution, with `queueName` (the key in the file). Applies
 * Harvester's defaults and sanity rules, merges `common` into every plugin section and rejects a
 * queue limit given without maxWorkers (whose default, 0, would never submit a worker) and a
 * queue with jobs (mapType not NoJob) without a preparator or a stager.
 */
export const queueConfigSchema = resolvedObjectSchema
  .superRefine(checkQueue)
  .superRefine(checkJobSections, { when: () => true })
  .transform(normalize);

/** Whether a resolved queue carries jobs (mapType not NoJob), and so has a preparator and a stager. */
export function isJobQueue(queue: QueueConfig): queue is JobQueueConfig {
  return queue.mapType !== MapType.NoJob;
}

/** What `queueConfigSchema` accepts: a merged queue entry plus its name. */
export type QueueConfigInput = z.input<typeof queueConfigSchema>;
