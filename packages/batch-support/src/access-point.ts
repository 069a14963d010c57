// Removing a worker's access point in a sweeper's sweepWorker, safely: only a real directory (not
// a symlink, not a file) that holds the plugin's worker record naming this worker's batchName is
// removed; anything else is refused (fatal) and never deleted. An access point that is already
// gone is a success; an I/O error on the way is a retry.
import { lstat, rm } from 'node:fs/promises';
import {
  errorText,
  fatal,
  type Outcome,
  type PluginLogger,
  retryLater,
  success,
  type WorkSpec,
} from '@harvester-ts/core';
import type { WorkerRecordFile } from './worker-record.js';

/** The part of a worker record the removal checks. */
export interface AccessPointRecord {
  batchName: string;
}

export interface RemoveAccessPointOptions<R extends AccessPointRecord> {
  /**
   * A last check once the record shows the directory is this worker's, e.g. "is the job still
   * running?": an Outcome other than success stops the removal and is returned; undefined (or a
   * success) lets it go on.
   */
  beforeRemove?: (record: R, accessPoint: string) => Promise<Outcome | undefined>;
  /** Called once the directory has been removed (not when there was nothing to remove). */
  afterRemove?: (record: R, accessPoint: string) => void;
  /** Where to log the removal (at debug level); nothing is logged without it. */
  log?: Pick<PluginLogger, 'debug'>;
  /** The debug message of the removal (default `removed the access point`). */
  removedMessage?: string;
}

/**
 * Removes `worker.accessPoint` if it is a real directory holding the plugin's record of this
 * worker (`recordFile`, same batchName). No access point, or one that does not exist, is a
 * success; a symlink, a file, a directory without the record or with another worker's record
 * (or one that cannot be read) is refused (fatal) and left alone; a failure to inspect or
 * remove it is a retry.
 */
export async function removeWorkerAccessPoint<R extends AccessPointRecord>(
  worker: Pick<WorkSpec, 'accessPoint' | 'batchName' | 'workerID'>,
  recordFile: Pick<WorkerRecordFile<R>, 'name' | 'systemName' | 'read'>,
  options: RemoveAccessPointOptions<R> = {},
): Promise<Outcome> {
  const ap = worker.accessPoint;
  if (!ap) return success(undefined, 'the worker has no access point');
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(ap);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return success(undefined, 'no access point to remove');
    return retryLater(`cannot inspect ${ap}: ${errorText(err)}`);
  }
  if (!st.isDirectory()) return fatal(`refusing to remove ${ap}: not a directory`);
  let record: R | undefined;
  try {
    record = await recordFile.read(ap);
  } catch (err) {
    return fatal(`refusing to remove ${ap}: ${errorText(err)}`);
  }
  if (record === undefined) {
    return fatal(
      `refusing to remove ${ap}: it has no ${recordFile.name}, so it is no ${recordFile.systemName} access point`,
    );
  }
  if (record.batchName !== worker.batchName) {
    return fatal(`refusing to remove ${ap}: it belongs to ${record.batchName}, not ${worker.batchName}`);
  }
  if (options.beforeRemove) {
    const stop = await options.beforeRemove(record, ap);
    if (stop !== undefined && stop.kind !== 'success') return stop;
  }
  try {
    await rm(ap, { recursive: true, force: true });
  } catch (err) {
    return retryLater(`cannot remove ${ap}: ${errorText(err)}`);
  }
  options.afterRemove?.(record, ap);
  options.log?.debug(
    { workerID: worker.workerID, accessPoint: ap },
    options.removedMessage ?? 'removed the access point',
  );
  return success();
}
