// The plugins of a queue: a NoJob queue may name no preparator and no stager (its pilots fetch
// their own jobs and move their own data); none is loaded then, and a job that finds its queue
// without one is failed with the reason instead of breaking the agent. No database needed.
import {
  JobSpec,
  type PluginContext,
  parseQueueConfigFile,
  type QueueConfig,
  success,
} from '@harvester-ts/core';
import type { AgentContext } from '../src/agents/agent-context.js';
import { callJobPlugin } from '../src/agents/job-plugin-call.js';
import { loadQueuePlugins, type QueuePlugins } from '../src/index.js';
import { quietLogger, testImporter } from './pipeline-support.js';

const tk = (name: string, extra: Record<string, unknown> = {}) => ({
  module: '@harvester-ts/testkit',
  name,
  ...extra,
});

function queueOf(entry: Record<string, unknown>): QueueConfig {
  const queues = parseQueueConfigFile({
    Q: {
      maxWorkers: 2,
      submitter: tk('TestkitSubmitter'),
      monitor: tk('TestkitMonitor'),
      sweeper: tk('TestkitSweeper'),
      workerMaker: tk('TestkitWorkerMaker'),
      messenger: {
        module: '@harvester-ts/engine',
        name: 'SharedFileMessenger',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester's access point placeholder
        accessPoint: '/tmp/harvester-test/${workerID}',
      },
      ...entry,
    },
  });
  return queues.Q!;
}

const sectionsAsked: string[] = [];
const deps = {
  importer: testImporter,
  baseDir: process.cwd(),
  contextFor: (section: string): PluginContext => {
    sectionsAsked.push(section);
    return {
      logger: quietLogger,
      harvesterId: 'test-h',
      queueName: 'Q',
      siteName: 'Q',
      configID: 1,
      signal: new AbortController().signal,
      services: {} as PluginContext['services'],
    };
  },
};

beforeEach(() => {
  sectionsAsked.length = 0;
});

describe('loadQueuePlugins', () => {
  it('loads no preparator and no stager for a NoJob queue that names none', async () => {
    const queue = queueOf({ mapType: 'NoJob' });
    const plugins = await loadQueuePlugins(queue, 1, deps);
    expect('preparator' in plugins).toBe(false);
    expect('stager' in plugins).toBe(false);
    expect(typeof plugins.submitter.submitWorkers).toBe('function');
    expect(sectionsAsked.sort()).toEqual(['messenger', 'monitor', 'submitter', 'sweeper', 'workerMaker']);
  });

  it('loads them for a NoJob queue that names them, and for a queue with jobs', async () => {
    const sections = { preparator: tk('TestkitPreparator'), stager: tk('TestkitStager') };
    for (const mapType of ['NoJob', 'OneToOne'] as const) {
      const plugins = await loadQueuePlugins(queueOf({ mapType, ...sections }), 1, deps);
      expect(typeof plugins.preparator?.triggerPreparation).toBe('function');
      expect(typeof plugins.stager?.triggerStageOut).toBe('function');
    }
  });

  it('refuses a queue with jobs that lacks one (a configuration not validated by core), saying why', async () => {
    const queue = queueOf({ preparator: tk('TestkitPreparator'), stager: tk('TestkitStager') });
    const { stager: _, ...withoutStager } = queue as QueueConfig & Record<string, unknown>;
    await expect(loadQueuePlugins(withoutStager as unknown as QueueConfig, 1, deps)).rejects.toThrow(
      'queue Q has no stager section (mapType OneToOne: only NoJob queues, which carry no jobs, may leave it out)',
    );
  });
});

describe('callJobPlugin', () => {
  function contextWith(plugins: QueuePlugins): AgentContext {
    return {
      queues: { pluginsFor: async () => plugins },
      config: { pluginCallTimeoutMs: 5_000 },
      signal: new AbortController().signal,
    } as unknown as AgentContext;
  }
  const job = Object.assign(new JobSpec(), { PandaID: 7, computingSite: 'Q', configID: 1, files: [] });

  it('fails a job whose queue (in its configuration) has no such plugin, never calling anything', async () => {
    const plugins = await loadQueuePlugins(queueOf({ mapType: 'NoJob' }), 1, deps);
    const called: string[] = [];
    for (const section of ['preparator', 'stager'] as const) {
      const outcome = await callJobPlugin(contextWith(plugins), job, section, 'x', async () => {
        called.push(section);
        return success();
      });
      expect(outcome).toEqual({
        kind: 'fatal',
        diag: `queue Q (configID 1, mapType NoJob) has no ${section}: a NoJob queue carries no jobs`,
      });
    }
    expect(called).toEqual([]);
  });

  it('calls the plugin of the section when the queue has it', async () => {
    const plugins = await loadQueuePlugins(
      queueOf({ preparator: tk('TestkitPreparator'), stager: tk('TestkitStager') }),
      1,
      deps,
    );
    const seen: unknown[] = [];
    const outcome = await callJobPlugin(contextWith(plugins), job, 'stager', 'x', async (stager) => {
      seen.push(stager);
      return success();
    });
    expect(outcome).toEqual({ kind: 'success' });
    expect(seen).toEqual([plugins.stager]);
  });

  it('asks to retry when the plugins of the queue cannot be loaded', async () => {
    const ctx = {
      queues: {
        pluginsFor: async () => {
          throw new Error('configuration 9 of queue Q is not stored');
        },
      },
      config: { pluginCallTimeoutMs: 5_000 },
      signal: new AbortController().signal,
    } as unknown as AgentContext;
    expect(await callJobPlugin(ctx, job, 'preparator', 'x', async () => success())).toEqual({
      kind: 'retry',
      diag: 'cannot load the preparator of queue Q: configuration 9 of queue Q is not stored',
    });
  });
});
