import type { CallOptions, JobSpec, Outcome, PluginInstanceMap } from '@harvester-ts/core';
import { callPlugin, outcomeOf } from '../plugins/plugin-call.js';
import type { QueuePlugins } from '../plugins/queue-plugins.js';
import type { AgentContext } from './agent-context.js';

/**
 * Calls one per-job method of the job's queue plugins (with the configuration the job was
 * created with). A queue whose plugins cannot be loaded gives retry-later with the reason; a
 * queue without the section (a NoJob queue: it carries no jobs, so names no preparator or
 * stager) gives a fatal outcome, as no plugin can ever move the job's data.
 */
export async function callJobPlugin<S extends 'preparator' | 'stager'>(
  ctx: AgentContext,
  job: JobSpec,
  section: S,
  method: string,
  fn: (plugin: PluginInstanceMap[S], call: CallOptions, plugins: QueuePlugins) => Promise<Outcome>,
): Promise<Outcome> {
  const site = { queue: job.computingSite, section, method };
  let plugins: QueuePlugins;
  try {
    plugins = await ctx.queues.pluginsFor(job.computingSite, job.configID);
  } catch (err) {
    return {
      kind: 'retry',
      diag: `cannot load the ${section} of queue ${job.computingSite}: ${(err as Error).message}`,
    };
  }
  const plugin = plugins[section] as PluginInstanceMap[S] | undefined;
  if (plugin === undefined) return { kind: 'fatal', diag: noSectionDiag(plugins, section) };
  return outcomeOf(
    site,
    await callPlugin(site, (call) => fn(plugin, call, plugins), ctx.config.pluginCallTimeoutMs, ctx.signal),
  );
}

/** Why a job cannot be staged: its queue (in the job's configuration) names no such plugin. */
export function noSectionDiag(plugins: QueuePlugins, section: 'preparator' | 'stager'): string {
  return (
    `queue ${plugins.queue.queueName} (configID ${plugins.configID}, mapType ${plugins.queue.mapType}) ` +
    `has no ${section}: a NoJob queue carries no jobs`
  );
}
