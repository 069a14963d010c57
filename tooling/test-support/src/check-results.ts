// Predicates on a monitor's WorkerCheckResult (`{ kind: 'status', status }` or another kind), typed
// structurally so that this package does not depend on core.

/** What these predicates read of a WorkerCheckResult. */
export interface CheckResultLike {
  kind: string;
  status?: string;
}

/** The worker ended: finished, failed or cancelled. */
export const isFinal = (r: CheckResultLike | undefined): boolean =>
  r?.kind === 'status' && (r.status === 'finished' || r.status === 'failed' || r.status === 'cancelled');

/** The worker ended by itself: finished or failed (not cancelled). */
export const isFinishedOrFailed = (r: CheckResultLike): boolean =>
  r.kind === 'status' && (r.status === 'finished' || r.status === 'failed');

/** The status of a status result, else the result's kind (undefined for no result). */
export const statusOf = <R extends CheckResultLike>(r: R | undefined) =>
  r?.kind === 'status' ? r.status : r?.kind;
