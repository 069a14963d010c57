// One resolved, concrete queue: its template merged in, Harvester's defaults applied, mandatory
// plugin sections present, `common` merged into every plugin section and Harvester's sanity rules
// on limits applied. Parsing a resolved QueueConfig again gives the same QueueConfig, so a stored
// snapshot (QueueConfigDump) can be validated with the same schema.
import { z } from 'zod';
import { MapType } from '../status/worker-status.js';
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
  MANDATORY_PLUGIN_SECTIONS,
  type MandatoryPluginSectionName,
  mandatorySectionSchema,
  type messengerSectionSchema,
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
type SectionShape = {
  [K in Exclude<MandatoryPluginSectionName, 'messenger'>]: typeof pluginSectionSchema;
} & { messenger: typeof messengerSectionSchema } & {
  [K in OptionalPluginSectionName]: z.ZodOptional<z.ZodNullable<typeof pluginSectionSchema>>;
};

function sectionShape(): SectionShape {
  const shape: Record<string, z.ZodType> = {};
  for (const section of MANDATORY_PLUGIN_SECTIONS) shape[section] = mandatorySectionSchema(section);
  for (const section of OPTIONAL_PLUGIN_SECTIONS) shape[section] = pluginSectionSchema.nullable().optional();
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

function normalize(q: ParsedQueue) {
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
  const optional = <K extends OptionalPluginSectionName>(key: K, section: PluginSection | null | undefined) =>
    (section ? { [key]: withCommon(section) } : {}) as Partial<Record<K, PluginSection>>;
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
    preparator: withCommon(preparator),
    stager: withCommon(stager),
    workerMaker: withCommon(workerMaker),
    ...optional('throttler', throttler),
    ...optional('zipper', zipper),
    ...optional('aux_preparator', aux_preparator),
    ...optional('extractor', extractor),
    common,
  };
}

/**
 * One concrete queue after template resolution, with `queueName` (the key in the file). Applies
 * Harvester's defaults and sanity rules, merges `common` into every plugin section and rejects a
 * queue limit given without maxWorkers (whose default, 0, would never submit a worker).
 */
export const queueConfigSchema = resolvedObjectSchema.superRefine(checkQueue).transform(normalize);

/** A resolved queue: defaults applied, every mandatory plugin section present. */
export type QueueConfig = z.output<typeof queueConfigSchema>;
/** What `queueConfigSchema` accepts: a merged queue entry plus its name. */
export type QueueConfigInput = z.input<typeof queueConfigSchema>;
