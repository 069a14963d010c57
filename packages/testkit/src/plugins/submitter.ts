// Submits workers to the simulated batch system: one submit call for the whole list.
import { defineSubmitter, fatal, type Outcome, retryLater, success, type WorkSpec } from '@harvester-ts/core';
import { BatchSystemUnavailableError } from '../errors.js';
import { option, optionsSchema } from '../options-schema.js';
import { DEFAULT_SIMULATION, requireBatch } from '../registry.js';
import type { BatchSubmitRequest } from '../simulated-batch-system.js';
import { TESTKIT_COMPATIBILITY } from './common.js';

export const testkitSubmitterOptions = optionsSchema({
  /** The registered simulation whose batch system receives the workers. */
  simulation: option.string(DEFAULT_SIMULATION),
  /** The batch queue / partition; set as the worker's queueName. */
  batchQueue: option.optionalString(),
  /** Set as the worker's computingElement. */
  computingElement: option.optionalString(),
  /** When set, stdout/stderr/batch_log URLs `<logBaseURL>/<batchID>.out|.err|.log` are set on the worker. */
  logBaseURL: option.optionalString(),
});

function requestFor(worker: WorkSpec, queue: string | undefined): BatchSubmitRequest {
  return {
    name: worker.batchName,
    accessPoint: worker.accessPoint ?? undefined,
    nCore: worker.nCore ?? 1,
    queue,
    attributes: {
      workerID: worker.workerID,
      harvesterID: worker.harvesterID,
      computingSite: worker.computingSite,
      mapType: worker.mapType,
      pandaIDs: worker.getPandaIDs(),
      resourceType: worker.resourceType,
      jobType: worker.jobType,
      minRamCount: worker.minRamCount,
      maxWalltime: worker.maxWalltime,
    },
  };
}

/**
 * Submitter for the simulated batch system. Sets batchID, submissionHost (and queueName,
 * computingElement, log URLs when configured). A refused submission is fatal for that worker;
 * an unavailable batch system is retry for every worker.
 */
export const TestkitSubmitter = defineSubmitter({
  name: 'TestkitSubmitter',
  compatibility: TESTKIT_COMPATIBILITY,
  description: 'Submits workers to a SimulatedBatchSystem registered with registerSimulation().',
  options: testkitSubmitterOptions,
  create(options) {
    return {
      async submitWorkers(workers: WorkSpec[]): Promise<Outcome[]> {
        if (workers.length === 0) return [];
        const { batch } = requireBatch(options.simulation);
        let results: Awaited<ReturnType<typeof batch.submit>>;
        try {
          results = await batch.submit(workers.map((w) => requestFor(w, options.batchQueue)));
        } catch (err) {
          if (err instanceof BatchSystemUnavailableError) {
            return workers.map(() => retryLater(`batch system unavailable: ${err.message}`));
          }
          throw err;
        }
        return workers.map((worker, i): Outcome => {
          const result = results[i];
          if (!result) return retryLater('the batch system returned no result for this worker');
          if (!result.ok) return fatal(`submission refused: ${result.error}`);
          worker.batchID = result.batchID;
          worker.submissionHost = batch.submissionHost;
          if (options.batchQueue !== undefined) worker.queueName = options.batchQueue;
          if (options.computingElement !== undefined) worker.computingElement = options.computingElement;
          if (options.logBaseURL !== undefined) {
            const base = options.logBaseURL.replace(/\/+$/, '');
            worker.setLogFile('stdout', `${base}/${result.batchID}.out`);
            worker.setLogFile('stderr', `${base}/${result.batchID}.err`);
            worker.setLogFile('batch_log', `${base}/${result.batchID}.log`);
          }
          return success();
        });
      },
    };
  },
});
