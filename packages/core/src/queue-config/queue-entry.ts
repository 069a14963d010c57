// One queue as written in panda_queueconfig.json: every key optional (a template may provide it),
// no defaults (they are applied after template resolution), unknown keys rejected.
import { z } from 'zod';
import { didYouMean } from './did-you-mean.js';
import { QUEUE_FIELDS, type QueueFieldName } from './fields.js';
import {
  commonSectionSchema,
  messengerSectionOverrideSchema,
  PLUGIN_SECTIONS,
  type PluginSectionName,
  pluginSectionOverrideSchema,
  pluginSectionSchema,
} from './plugin-section.js';
import { documented } from './registry.js';

const SECTION_DESCRIPTIONS: Record<PluginSectionName, string> = {
  submitter: 'Submits workers to the batch system (mandatory).',
  monitor: 'Checks the status of workers (mandatory).',
  sweeper: 'Kills and cleans up workers (mandatory).',
  messenger: "Exchanges files with workers through their access point (mandatory, needs 'accessPoint').",
  preparator:
    'Stages job inputs in (mandatory, except for NoJob queues: their pilots fetch their own jobs and move their own data).',
  stager:
    'Stages job outputs out (mandatory, except for NoJob queues: their pilots fetch their own jobs and move their own data).',
  workerMaker: 'Sizes workers and maps jobs to them (mandatory).',
  throttler: 'Holds submission back, e.g. after too many missed workers.',
  zipper: 'Zips outputs before stage-out.',
  aux_preparator: 'Stages auxiliary inputs (container images, ...) in.',
  extractor: 'Finds auxiliary inputs of jobs.',
};

type FieldSpecs = typeof QUEUE_FIELDS;
type EntryFieldShape = { [K in QueueFieldName]: z.ZodOptional<FieldSpecs[K]['schema']> };

function entryFieldShape(): EntryFieldShape {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, spec] of Object.entries(QUEUE_FIELDS)) {
    const meta: z.core.GlobalMeta = { description: spec.description };
    if ('default' in spec) meta.default = spec.default;
    shape[key] = documented(spec.schema.optional(), meta);
  }
  return shape as EntryFieldShape;
}

function sectionOverride<S extends z.ZodType>(schema: S, section: PluginSectionName) {
  return documented(schema.nullable().optional(), { description: SECTION_DESCRIPTIONS[section] });
}

type SectionOverrideShape = {
  [K in PluginSectionName]: K extends 'messenger'
    ? z.ZodOptional<z.ZodNullable<typeof messengerSectionOverrideSchema>>
    : z.ZodOptional<z.ZodNullable<typeof pluginSectionOverrideSchema>>;
};

function sectionOverrideShape(): SectionOverrideShape {
  const shape: Record<string, z.ZodType> = {};
  for (const section of PLUGIN_SECTIONS) {
    shape[section] = sectionOverride(
      section === 'messenger' ? messengerSectionOverrideSchema : pluginSectionOverrideSchema,
      section,
    );
  }
  return shape as SectionOverrideShape;
}

/** One queue (or template) entry of the file, before template resolution. */
export const queueConfigEntrySchema = documented(
  z.strictObject({
    ...entryFieldShape(),
    ...sectionOverrideShape(),
    credmanagers: documented(z.array(pluginSectionSchema).optional(), {
      description: 'Credential managers run for this queue (a list of complete plugin sections).',
    }),
    common: documented(commonSectionSchema.optional(), {
      description:
        "Options merged into every plugin section (not into credmanagers); a section's own keys win.",
    }),
  }),
  {
    id: 'QueueConfigEntry',
    title: 'Queue (or template) entry',
    description:
      'One queue. Keys left out come from the template (templateQueueName), then from the defaults.',
  },
);
export type QueueConfigEntry = z.output<typeof queueConfigEntrySchema>;

/** Every key a queue entry may have. */
export const QUEUE_CONFIG_KEYS: readonly string[] = Object.keys(queueConfigEntrySchema.shape);

/** Harvester keys (or frequent mistakes) that we reject with a specific explanation. */
const KEY_HINTS: Readonly<Record<string, string>> = {
  queueName: 'the queue name is the key of the entry in the file',
  file_syncer: "Harvester's file_syncer plugins are not supported by harvester-ts",
  accessPoint: 'accessPoint belongs in the messenger section',
  module: "a plugin's module belongs in its section (submitter, monitor, ...)",
};

/** The message for an unknown top-level key of a queue entry, with a "did you mean" hint. */
export function describeUnknownQueueKey(key: string): string {
  const hint = Object.hasOwn(KEY_HINTS, key) ? KEY_HINTS[key] : undefined;
  if (hint !== undefined) return `unknown key '${key}': ${hint}`;
  return `unknown key '${key}'${didYouMean(key, QUEUE_CONFIG_KEYS)}`;
}
