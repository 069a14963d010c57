// Removing jobs from one schedd with one condor_rm for all of them. A job that is removed, being
// removed already or not in the queue any more is done (Harvester counts TotalSuccess,
// TotalAlreadyDone and TotalNotFound alike); another user's job cannot be removed by retrying.
// condor_rm exits 1 only when no id succeeded, so the per-id lines decide, not the exit code.
import { condorRmArgv, parseJobActionOutput } from './commands.js';
import type { CondorTools } from './runner.js';
import type { ScheddTarget } from './schedds.js';

/** What became of one job id. */
export type RemovalResult =
  | { kind: 'done'; text: string }
  | { kind: 'refused'; text: string }
  | { kind: 'unclear'; text: string };

export type RemovalOutcome = { ok: true; perJob: Map<string, RemovalResult> } | { ok: false; diag: string };

export async function removeJobs(
  tools: CondorTools,
  target: ScheddTarget,
  ids: readonly string[],
  reason: string | undefined,
  signal?: AbortSignal,
): Promise<RemovalOutcome> {
  const unique = [...new Set(ids)];
  const result = await tools.run('condor_rm', condorRmArgv(target, unique, reason), signal);
  if (result.error !== undefined || result.timedOut || result.code === null) {
    return { ok: false, diag: tools.describe(result) };
  }
  const parsed = parseJobActionOutput(result.stdout, result.stderr);
  if (parsed.queueEmpty) {
    return {
      ok: true,
      perJob: new Map(unique.map((id) => [id, { kind: 'done', text: 'there are no jobs in the queue' }])),
    };
  }
  if (result.code !== 0 && parsed.perJob.size === 0) return { ok: false, diag: tools.describe(result) };
  const perJob = new Map<string, RemovalResult>();
  for (const id of unique) {
    const r = parsed.perJob.get(id);
    if (r === undefined) {
      perJob.set(id, {
        kind: 'unclear',
        text: `condor_rm said nothing about job ${id} (${tools.describe(result)})`,
      });
    } else if (r.kind === 'done' || r.kind === 'notFound' || r.kind === 'alreadyDone') {
      perJob.set(id, { kind: 'done', text: r.text });
    } else if (r.kind === 'denied') perJob.set(id, { kind: 'refused', text: r.text });
    else perJob.set(id, { kind: 'unclear', text: r.text });
  }
  return { ok: true, perJob };
}
