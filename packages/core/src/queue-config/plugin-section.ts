// Plugin sections of a queue: `{ "module": "<package or path>", "name": "<export>", ...options }`,
// exactly as in Harvester's panda_queueconfig.json. Options other than module and name are passed
// to the plugin, which validates them with its own options schema.
import { z } from 'zod';
import { documented } from './registry.js';

/** Plugin sections every concrete queue needs once its templates are merged. */
export const MANDATORY_PLUGIN_SECTIONS = [
  'submitter',
  'monitor',
  'sweeper',
  'messenger',
  'workerMaker',
] as const;
export type MandatoryPluginSectionName = (typeof MANDATORY_PLUGIN_SECTIONS)[number];

/**
 * Plugin sections that move jobs' data: mandatory for a queue that carries jobs (every mapType but
 * NoJob), optional for a NoJob (pull) queue, whose pilots fetch their own jobs and move their own
 * data. Harvester requires them everywhere, so its NoJob queues name DummyPreparator/DummyStager.
 */
export const JOB_PLUGIN_SECTIONS = ['preparator', 'stager'] as const;
export type JobPluginSectionName = (typeof JOB_PLUGIN_SECTIONS)[number];

/** Single plugin sections a queue may have. */
export const OPTIONAL_PLUGIN_SECTIONS = ['throttler', 'zipper', 'aux_preparator', 'extractor'] as const;
export type OptionalPluginSectionName = (typeof OPTIONAL_PLUGIN_SECTIONS)[number];

/**
 * Every single-plugin section (not `credmanagers`, a list, nor `common`, plain options), in the
 * order of Harvester's files. These are the sections that templates merge key-wise and that
 * receive the `common` options.
 */
export const PLUGIN_SECTIONS = [
  'submitter',
  'monitor',
  'sweeper',
  'messenger',
  'preparator',
  'stager',
  'workerMaker',
  ...OPTIONAL_PLUGIN_SECTIONS,
] as const satisfies readonly (
  | MandatoryPluginSectionName
  | JobPluginSectionName
  | OptionalPluginSectionName
)[];
export type PluginSectionName = (typeof PLUGIN_SECTIONS)[number];

export function isPluginSectionName(value: string): value is PluginSectionName {
  return (PLUGIN_SECTIONS as readonly string[]).includes(value);
}

const MODULE_DESCRIPTION = 'The package name (or path) of the module that exports the plugin.';
const NAME_DESCRIPTION = 'The name of the export of `module` that is the plugin definition.';
const ACCESS_POINT_DESCRIPTION =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Harvester placeholder, not a template literal
  "The worker's directory shared with the harvester; placeholders such as ${workerID} are expanded per worker.";
const HEARTBEAT_DESCRIPTION =
  'Minutes without a heartbeat file after which a worker counts as lost; no heartbeat check when unset.';

function requiredString(what: string) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? `required: ${what}` : undefined) })
    .min(1, 'must not be empty');
}

const moduleField = () => requiredString('the package (or path) that exports the plugin');
const nameField = () => requiredString('the export name of the plugin in its module');
const accessPointField = () => requiredString("the messenger's accessPoint (the worker directory)");
const heartbeatField = () => z.number().positive('must be a positive number of minutes');

/** Message of a missing mandatory section, as reported after template resolution. */
function missingSectionError(section: string) {
  return (iss: { input?: unknown }) =>
    iss.input === undefined || iss.input === null
      ? `missing mandatory plugin section '${section}' (set it in the queue or in its template)`
      : undefined;
}

/** Message of a missing preparator or stager of a queue that carries jobs (mapType not NoJob). */
export function missingJobSectionMessage(section: JobPluginSectionName): string {
  return (
    `missing mandatory plugin section '${section}' (set it in the queue or in its template; ` +
    'only NoJob queues, which carry no jobs, may leave it out)'
  );
}

function makePluginSection(missing?: string) {
  return z.looseObject(
    {
      module: documented(moduleField(), { description: MODULE_DESCRIPTION }),
      name: documented(nameField(), { description: NAME_DESCRIPTION }),
    },
    missing === undefined ? undefined : { error: missingSectionError(missing) },
  );
}

function makeMessengerSection(missing?: string) {
  return z.looseObject(
    {
      module: documented(moduleField(), { description: MODULE_DESCRIPTION }),
      name: documented(nameField(), { description: NAME_DESCRIPTION }),
      accessPoint: documented(accessPointField(), { description: ACCESS_POINT_DESCRIPTION }),
      worker_heartbeat: documented(heartbeatField().optional(), { description: HEARTBEAT_DESCRIPTION }),
    },
    missing === undefined ? undefined : { error: missingSectionError(missing) },
  );
}

/** A complete plugin section: non-empty `module` and `name`, any other key is a plugin option. */
export const pluginSectionSchema = documented(makePluginSection(), {
  id: 'PluginSection',
  title: 'Plugin section',
  description:
    'A plugin: `module` names the package (or path) and `name` the export; every other key is an option of the plugin.',
});
export type PluginSection = z.output<typeof pluginSectionSchema>;

/**
 * A complete messenger section. Harvester requires `accessPoint`: it is where the worker and the
 * harvester exchange files (job spec, attributes, outputs, kill and heartbeat files).
 */
export const messengerSectionSchema = documented(makeMessengerSection(), {
  id: 'MessengerSection',
  title: 'Messenger section',
  description: 'The messenger plugin; `accessPoint` is required.',
});
export type MessengerSection = z.output<typeof messengerSectionSchema>;

/** The section schema used for a mandatory section of a resolved queue (with a clear "missing" error). */
export function mandatorySectionSchema(section: MandatoryPluginSectionName) {
  return section === 'messenger' ? makeMessengerSection(section) : makePluginSection(section);
}

/**
 * A plugin section as written in a queue entry. `module` and `name` may be left out when a
 * template provides the section: the queue's keys are merged into the template's, key by key.
 */
export const pluginSectionOverrideSchema = documented(
  z.looseObject({
    module: documented(moduleField().optional(), { description: MODULE_DESCRIPTION }),
    name: documented(nameField().optional(), { description: NAME_DESCRIPTION }),
  }),
  {
    id: 'PluginSectionOverride',
    title: 'Plugin section (in a queue entry)',
    description:
      'A plugin: `module` names the package (or path) and `name` the export; every other key is an option of ' +
      'the plugin. A queue may give only some options: they are merged into the section of its template. ' +
      'After template resolution `module` and `name` are required. null removes an inherited section.',
  },
);

/** The messenger section as written in a queue entry (accessPoint may come from the template). */
export const messengerSectionOverrideSchema = documented(
  z.looseObject({
    module: documented(moduleField().optional(), { description: MODULE_DESCRIPTION }),
    name: documented(nameField().optional(), { description: NAME_DESCRIPTION }),
    accessPoint: documented(accessPointField().optional(), { description: ACCESS_POINT_DESCRIPTION }),
    worker_heartbeat: documented(heartbeatField().optional(), { description: HEARTBEAT_DESCRIPTION }),
  }),
  {
    id: 'MessengerSectionOverride',
    title: 'Messenger section (in a queue entry)',
    description:
      'The messenger plugin. After template resolution `module`, `name` and `accessPoint` are required.',
  },
);

/**
 * `common`: options merged into every plugin section of the queue, without overriding the keys a
 * section sets itself. It cannot name a module or an export.
 */
export const commonSectionSchema = documented(
  z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    for (const key of ['module', 'name']) {
      if (Object.hasOwn(value, key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `'common' is merged into every plugin section and cannot set '${key}'`,
        });
      }
    }
  }),
  {
    id: 'CommonOptions',
    title: 'Common plugin options',
    description:
      'Options given to every plugin section of the queue; a key set by a section itself takes precedence.',
  },
);
export type CommonOptions = z.output<typeof commonSectionSchema>;
