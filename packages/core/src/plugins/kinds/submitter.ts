import type { WorkSpec } from '../../entities/work-spec.js';
import type { CallOptions } from '../context.js';
import type { Outcome } from '../outcome.js';

/**
 * Submits workers to a batch system. The engine has committed each worker as `pending`, with its
 * access point set up and its deterministic `batchName`, before the call; the batch job must carry
 * that name so that a restarted harvester can find it (Monitor.findWorkersByBatchName).
 */
export interface Submitter {
  /**
   * One Outcome per worker, in the order given. On success the plugin has set `batchID` (and,
   * where it knows them, submissionHost, computingElement, queueName, nodeID, log files with
   * `setLogFile`). fatal (permanent, e.g. the batch system refused the job): the worker is `missed`
   * and its jobs fail. retry (temporary, e.g. the controller is down): the worker is `missed` and
   * its jobs are released for another attempt, until the queue's maxSubmissionAttempts.
   */
  submitWorkers(workers: WorkSpec[], call?: CallOptions): Promise<Outcome[]>;
}
