import type { Communicator } from './kinds/communicator.js';
import type { Messenger } from './kinds/messenger.js';
import type { Monitor } from './kinds/monitor.js';
import type { Preparator } from './kinds/preparator.js';
import type { Stager } from './kinds/stager.js';
import type { Submitter } from './kinds/submitter.js';
import type { Sweeper, SweeperImplementation } from './kinds/sweeper.js';
import type { Throttler } from './kinds/throttler.js';
import type { WorkerMaker, WorkerMakerImplementation } from './kinds/worker-maker.js';

export const PLUGIN_KINDS = [
  'preparator',
  'stager',
  'monitor',
  'submitter',
  'sweeper',
  'workerMaker',
  'communicator',
  'messenger',
  'throttler',
] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

export function isPluginKind(value: unknown): value is PluginKind {
  return typeof value === 'string' && (PLUGIN_KINDS as readonly string[]).includes(value);
}

/** The instance the host uses, per kind. */
export interface PluginInstanceMap {
  preparator: Preparator;
  stager: Stager;
  monitor: Monitor;
  submitter: Submitter;
  sweeper: Sweeper;
  workerMaker: WorkerMaker;
  communicator: Communicator;
  messenger: Messenger;
  throttler: Throttler;
}

/** What a plugin's `create` returns, per kind (some kinds have derivable methods). */
export interface PluginImplementationMap extends Omit<PluginInstanceMap, 'sweeper' | 'workerMaker'> {
  sweeper: SweeperImplementation;
  workerMaker: WorkerMakerImplementation;
}

/** Methods an instance of each kind must have (checked on the created instance). */
export const REQUIRED_METHODS: { readonly [K in PluginKind]: readonly (keyof PluginInstanceMap[K])[] } = {
  preparator: ['triggerPreparation', 'checkStageInStatus', 'resolveInputPaths'],
  stager: ['triggerStageOut', 'checkStageOutStatus'],
  monitor: ['checkWorkers'],
  submitter: ['submitWorkers'],
  sweeper: ['killWorkers', 'killWorker', 'sweepWorker'],
  workerMaker: ['makeWorker', 'getNumJobsPerWorker', 'getNumWorkersPerJob', 'isResourceReady'],
  communicator: ['getJobs', 'updateJobs'],
  messenger: [
    'getAccessPoint',
    'setupAccessPoints',
    'feedJobs',
    'jobRequested',
    'getWorkAttributes',
    'getFilesToStageOut',
    'eventsRequested',
    'feedEvents',
    'eventsToUpdate',
    'acknowledgeEventsFiles',
    'postProcessing',
    'getPandaIds',
    'killRequested',
    'isAlive',
    'cleanUp',
  ],
  throttler: ['toBeThrottled'],
};
