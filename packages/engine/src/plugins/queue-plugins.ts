// Instantiates the plugins of a queue from its resolved configuration: one instance per
// (queue, configID, section). Errors name the queue, section, module and export. A NoJob queue
// may have no preparator and no stager (its pilots move their own data): none is loaded then.
import {
  instantiatePlugin,
  optionsOfSection,
  type PluginContext,
  type PluginInstanceMap,
  type PluginKind,
  type QueueConfig,
} from '@harvester-ts/core';
import type { ModuleImporter } from './module-importer.js';

/** The queue-config sections that hold plugins, and the kind each must be. */
export const SECTION_KINDS = {
  submitter: 'submitter',
  monitor: 'monitor',
  sweeper: 'sweeper',
  messenger: 'messenger',
  preparator: 'preparator',
  stager: 'stager',
  workerMaker: 'workerMaker',
  throttler: 'throttler',
  zipper: 'stager',
} as const satisfies Record<string, PluginKind>;

export type QueuePluginSection = keyof typeof SECTION_KINDS;

export interface QueuePlugins {
  queue: QueueConfig;
  configID: number;
  submitter: PluginInstanceMap['submitter'];
  monitor: PluginInstanceMap['monitor'];
  sweeper: PluginInstanceMap['sweeper'];
  messenger: PluginInstanceMap['messenger'];
  /** Absent only for a NoJob queue that names none (it has no jobs to stage in). */
  preparator?: PluginInstanceMap['preparator'];
  /** Absent only for a NoJob queue that names none (it has no jobs to stage out). */
  stager?: PluginInstanceMap['stager'];
  workerMaker: PluginInstanceMap['workerMaker'];
  throttler?: PluginInstanceMap['throttler'];
  zipper?: PluginInstanceMap['stager'];
}

export interface LoadDeps {
  importer: ModuleImporter;
  /** Where module names are resolved from (the configuration file's directory). */
  baseDir: string;
  contextFor(section: QueuePluginSection, moduleName: string): PluginContext;
}

type Section = { module: string; name: string } & Record<string, unknown>;

async function loadSection<K extends PluginKind>(
  queue: QueueConfig,
  section: QueuePluginSection,
  kind: K,
  deps: LoadDeps,
): Promise<PluginInstanceMap[K]> {
  const spec = (queue as unknown as Record<string, Section | undefined>)[section];
  if (!spec) {
    const why =
      section === 'preparator' || section === 'stager'
        ? ` (mapType ${queue.mapType}: only NoJob queues, which carry no jobs, may leave it out)`
        : '';
    throw new Error(`queue ${queue.queueName} has no ${section} section${why}`);
  }
  const mod = await deps.importer(spec.module, deps.baseDir);
  return instantiatePlugin(
    mod[spec.name],
    kind,
    optionsOfSection(spec),
    deps.contextFor(section, spec.module),
    {
      queue: queue.queueName,
      section,
      module: spec.module,
      exportName: spec.name,
    },
  );
}

export async function loadQueuePlugins(
  queue: QueueConfig,
  configID: number,
  deps: LoadDeps,
): Promise<QueuePlugins> {
  const has = (s: QueuePluginSection) => Boolean((queue as unknown as Record<string, unknown>)[s]);
  // Only a NoJob queue may lack them; for any other loadSection reports the missing section.
  const staging = (s: 'preparator' | 'stager') => has(s) || queue.mapType !== 'NoJob';
  const [submitter, monitor, sweeper, messenger, preparator, stager, workerMaker, throttler, zipper] =
    await Promise.all([
      loadSection(queue, 'submitter', 'submitter', deps),
      loadSection(queue, 'monitor', 'monitor', deps),
      loadSection(queue, 'sweeper', 'sweeper', deps),
      loadSection(queue, 'messenger', 'messenger', deps),
      staging('preparator') ? loadSection(queue, 'preparator', 'preparator', deps) : undefined,
      staging('stager') ? loadSection(queue, 'stager', 'stager', deps) : undefined,
      loadSection(queue, 'workerMaker', 'workerMaker', deps),
      has('throttler') ? loadSection(queue, 'throttler', 'throttler', deps) : undefined,
      has('zipper') ? loadSection(queue, 'zipper', 'stager', deps) : undefined,
    ]);
  return {
    queue,
    configID,
    submitter,
    monitor,
    sweeper,
    messenger,
    ...(preparator ? { preparator } : {}),
    ...(stager ? { stager } : {}),
    workerMaker,
    ...(throttler ? { throttler } : {}),
    ...(zipper ? { zipper } : {}),
  };
}
