// Kills workers in the simulated batch system (one kill call for the list) and sweeps them.
import { rm } from 'node:fs/promises';
import { defineSweeper, type Outcome, retryLater, success, type WorkSpec } from '@harvester-ts/core';
import { BatchSystemUnavailableError } from '../errors.js';
import { option, optionsSchema } from '../options-schema.js';
import { DEFAULT_SIMULATION, requireBatch, requireSimulation } from '../registry.js';
import { errorMessage, record, TESTKIT_COMPATIBILITY } from './common.js';

export const testkitSweeperOptions = optionsSchema({
  simulation: option.string(DEFAULT_SIMULATION),
  /** sweepWorker deletes the worker's access point directory (default: removes nothing). */
  removeAccessPoint: option.boolean(false),
});

/**
 * Sweeper for the simulated batch system. killWorkers makes one kill call; a job that already
 * ended, is unknown, or a worker never submitted (no batchID) counts as killed. An unavailable
 * batch system is retry. sweepWorker records the sweep and, with `removeAccessPoint`, deletes the
 * access point.
 */
export const TestkitSweeper = defineSweeper({
  name: 'TestkitSweeper',
  compatibility: TESTKIT_COMPATIBILITY,
  description: 'Kills workers in a SimulatedBatchSystem and sweeps them.',
  options: testkitSweeperOptions,
  create(options) {
    return {
      async killWorkers(workers: WorkSpec[]): Promise<Outcome[]> {
        if (workers.length === 0) return [];
        const { sim, batch } = requireBatch(options.simulation);
        const ids = workers.map((w) => w.batchID).filter((id): id is string => id !== null && id !== '');
        let results: Awaited<ReturnType<typeof batch.kill>> = [];
        if (ids.length > 0) {
          try {
            results = await batch.kill(ids);
          } catch (err) {
            if (err instanceof BatchSystemUnavailableError) {
              return workers.map((w) =>
                record(
                  sim,
                  'sweeper',
                  'killWorkers',
                  w.workerID,
                  retryLater(`batch system unavailable: ${err.message}`),
                ),
              );
            }
            throw err;
          }
        }
        const byID = new Map(results.map((r) => [r.batchID, r]));
        return workers.map((w) => {
          let outcome: Outcome;
          const result = w.batchID ? byID.get(w.batchID) : undefined;
          if (!w.batchID) outcome = success(undefined, 'worker has no batchID: nothing to kill');
          else if (!result?.ok) outcome = success(undefined, `batch job ${w.batchID} is already gone`);
          else if (result.previousState === 'pending' || result.previousState === 'running')
            outcome = success();
          else
            outcome = success(
              undefined,
              `batch job ${w.batchID} had already ended (${result.previousState})`,
            );
          return record(sim, 'sweeper', 'killWorkers', w.workerID, outcome);
        });
      },

      async sweepWorker(worker: WorkSpec): Promise<Outcome> {
        const sim = requireSimulation(options.simulation);
        if (options.removeAccessPoint && worker.accessPoint) {
          try {
            await rm(worker.accessPoint, { recursive: true, force: true });
            sim.records.removedAccessPoints.push(worker.accessPoint);
          } catch (err) {
            return record(
              sim,
              'sweeper',
              'sweepWorker',
              worker.workerID,
              retryLater(`cannot remove ${worker.accessPoint}: ${errorMessage(err)}`),
            );
          }
        }
        sim.records.swept.push(worker.workerID);
        return record(sim, 'sweeper', 'sweepWorker', worker.workerID, success());
      },
    };
  },
});
