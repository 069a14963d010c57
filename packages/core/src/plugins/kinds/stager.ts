import type { JobSpec } from '../../entities/job-spec.js';
import type { CallOptions } from '../context.js';
import type { Outcome } from '../outcome.js';

/**
 * Stage-out. Per job. Output files are `job.getOutputFileSpecs()`; a file's status is set to
 * `finished` only once it is really at its destination (`failed` when it cannot get there).
 * `fileSpec.attemptNr` grows with every trigger, so a plugin can give up on a file.
 */
export interface Stager {
  /** Starts the transfer. fatal gives up on the job; retry tries again after triggerInterval. */
  triggerStageOut(job: JobSpec, call?: CallOptions): Promise<Outcome>;
  /** Checks transfers; sets file statuses. A synchronous stager returns success. */
  checkStageOutStatus(job: JobSpec, call?: CallOptions): Promise<Outcome>;
  /**
   * Makes one zip file per output FileSpec from its `associatedFiles`, setting the zip's path,
   * fsize and chksum. Needed by queues that zip outputs (zipPerMB).
   */
  zipOutput?(job: JobSpec, call?: CallOptions): Promise<Outcome>;
}
