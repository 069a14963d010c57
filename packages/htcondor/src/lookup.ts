// Finding jobs on one schedd: by job id (the monitor: condor_q, then condor_history for what the
// queue no longer holds) and by batch name (adoption after a crash, an unclear condor_submit).
// One command per step for all the jobs asked about; a step that fails leaves its jobs unknown
// with the diagnostic, never "not found". condor_history is always bounded: `-match N` (each
// job is in the history once) and, when the caller knows when the jobs were submitted,
// `-completedsince` (the scan of the history file stops at the first older completion).
import { oneLine } from '@harvester-ts/core';
import {
  batchNamesConstraint,
  type CondorJobAd,
  type CondorJobId,
  condorHistoryArgv,
  condorQArgv,
  formatCondorJobId,
  jobIdsConstraint,
  parseJobAdsJson,
} from './commands.js';
import type { CondorTools, ToolResult } from './runner.js';
import type { ScheddTarget } from './schedds.js';

/**
 * Seconds subtracted from the earliest submission time for `-completedsince`: clock skew between
 * harvester and schedd, and jobs written to the history late (the monitor's historySlackSeconds).
 */
export const DEFAULT_HISTORY_SLACK_SECONDS = 3600;

/** What one query gave: the ads, or why it could not tell. */
export type QueryResult = { ok: true; ads: CondorJobAd[] } | { ok: false; diag: string };

function readAds(tools: CondorTools, result: ToolResult): QueryResult {
  if (result.code !== 0) return { ok: false, diag: tools.describe(result) };
  const parsed = parseJobAdsJson(result.stdout);
  if (!parsed.ok) return { ok: false, diag: `${result.command} printed what cannot be read: ${parsed.diag}` };
  if (parsed.garbage.length > 0) {
    return {
      ok: false,
      diag: `${result.command} printed ${parsed.garbage.length} ad(s) without ClusterId/ProcId: ${oneLine(parsed.garbage.join(' | '), 300)}`,
    };
  }
  return { ok: true, ads: parsed.ads };
}

/** One `condor_q -json` for the given jobs. */
export async function queryQueue(
  tools: CondorTools,
  target: ScheddTarget,
  ids: readonly CondorJobId[],
  attributes: readonly string[],
  signal?: AbortSignal,
): Promise<QueryResult> {
  const result = await tools.run('condor_q', condorQArgv(target, jobIdsConstraint(ids), attributes), signal);
  return readAds(tools, result);
}

/**
 * One `condor_history -json -match N [-completedsince T]` for the given jobs: N is the number of
 * jobs (each is in the history once); T (epoch seconds), when given, ends the scan at the first
 * job that completed at or before it.
 */
export async function queryHistory(
  tools: CondorTools,
  target: ScheddTarget,
  ids: readonly CondorJobId[],
  attributes: readonly string[],
  signal?: AbortSignal,
  completedSince?: number,
): Promise<QueryResult> {
  const result = await tools.run(
    'condor_history',
    condorHistoryArgv(target, jobIdsConstraint(ids), attributes, {
      match: new Set(ids.map(formatCondorJobId)).size,
      ...(completedSince === undefined ? {} : { completedSince }),
    }),
    signal,
  );
  return readAds(tools, result);
}

const NAME_ATTRIBUTES = ['ClusterId', 'ProcId', 'JobBatchName', 'JobStatus'];

/** What looking names up gave: per name the newest job id, or why it could not be done. */
export type NameLookup = { ok: true; byName: Map<string, string> } | { ok: false; diag: string };

/**
 * condor_q, then condor_history (`-match <names missing>`, `-completedsince <since>` when given:
 * the jobs cannot have completed before they were submitted) for the names not in the queue;
 * the newest job per name.
 */
export async function findByBatchNames(
  tools: CondorTools,
  target: ScheddTarget,
  names: readonly string[],
  signal?: AbortSignal,
  completedSince?: number,
): Promise<NameLookup> {
  const byName = new Map<string, { cluster: number; proc: number }>();
  const take = (ads: CondorJobAd[]) => {
    for (const ad of ads) {
      const name = names.find((n) => n === ad.JobBatchName);
      if (name === undefined) continue;
      const prev = byName.get(name);
      if (!prev || ad.ClusterId > prev.cluster) byName.set(name, { cluster: ad.ClusterId, proc: ad.ProcId });
    }
  };
  const q = readAds(
    tools,
    await tools.run('condor_q', condorQArgv(target, batchNamesConstraint(names), NAME_ATTRIBUTES), signal),
  );
  if (!q.ok) return q;
  take(q.ads);
  const missing = [...new Set(names.filter((n) => !byName.has(n)))];
  if (missing.length > 0) {
    const h = readAds(
      tools,
      await tools.run(
        'condor_history',
        condorHistoryArgv(target, batchNamesConstraint(missing), NAME_ATTRIBUTES, {
          match: missing.length,
          ...(completedSince === undefined ? {} : { completedSince }),
        }),
        signal,
      ),
    );
    if (!h.ok) return h;
    take(h.ads);
  }
  return {
    ok: true,
    byName: new Map([...byName].map(([name, id]) => [name, formatCondorJobId(id)])),
  };
}
