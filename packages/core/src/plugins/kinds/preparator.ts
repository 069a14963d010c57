import type { JobSpec } from '../../entities/job-spec.js';
import type { CallOptions } from '../context.js';
import type { Outcome } from '../outcome.js';

/**
 * Stage-in. Per job; the engine calls many jobs concurrently. Input file attributes come from
 * `job.getInputFileAttributes()`; transfer groups via `job.setGroupsToFiles()` and
 * `job.updateGroupStatusInFiles()`.
 */
export interface Preparator {
  /**
   * Starts the stage-in (synchronously or not). success: the job moves on to checking;
   * fatal: the job fails (failed_to_prepare); retry: tried again after triggerInterval.
   */
  triggerPreparation(job: JobSpec, call?: CallOptions): Promise<Outcome>;
  /**
   * Checks an ongoing stage-in. success: done; fatal: the job fails; retry: still running or a
   * temporary error, checked again after checkInterval. A synchronous preparator returns success.
   */
  checkStageInStatus(job: JobSpec, call?: CallOptions): Promise<Outcome>;
  /** Sets the local path of every input file, with `job.setInputFilePaths()`. */
  resolveInputPaths(job: JobSpec, call?: CallOptions): Promise<Outcome>;
}
