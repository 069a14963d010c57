import type { CallOptions, JobSpec, Outcome } from '@harvester-ts/core';
import { callPlugin, outcomeOf } from '../plugins/plugin-call.js';
import type { QueuePlugins } from '../plugins/queue-plugins.js';
import type { AgentContext } from './agent-context.js';

/**
 * Calls one per-job method of the job's queue plugins (with the configuration the job was
 * created with). A queue whose plugins cannot be loaded gives retry-later with the reason.
 */
export async function callJobPlugin(
  ctx: AgentContext,
  job: JobSpec,
  section: 'preparator' | 'stager',
  method: string,
  fn: (plugins: QueuePlugins, call: CallOptions) => Promise<Outcome>,
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
  return outcomeOf(
    site,
    await callPlugin(site, (call) => fn(plugins, call), ctx.config.pluginCallTimeoutMs, ctx.signal),
  );
}
