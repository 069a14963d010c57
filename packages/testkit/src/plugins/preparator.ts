// Stage-in against nothing: input paths under a configurable root, synchronous or done after N
// checks, with failure injection per LFN pattern and transient failures.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  definePreparator,
  type FileSpec,
  fatal,
  type JobSpec,
  type Outcome,
  type PluginDefinition,
  retryLater,
  success,
} from '@harvester-ts/core';
import { type OptionsOfShape, option, optionsSchema } from '../options-schema.js';
import { DEFAULT_SIMULATION, ensureSimulation, type Simulation } from '../registry.js';
import { errorMessage, matchesAny, record, safeJoin, TESTKIT_COMPATIBILITY } from './common.js';

const shape = {
  simulation: option.string(DEFAULT_SIMULATION),
  /** Input files resolve to `<inputRoot>/<scope>/<lfn>`. */
  inputRoot: option.string('/tmp/harvester-testkit/inputs'),
  /** 0: stage-in completes in triggerPreparation; N: the Nth checkStageInStatus completes it. */
  checksToComplete: option.integer(0, { min: 0 }),
  /** Glob patterns (`*`, `?`) of LFNs whose stage-in fails for good (fatal). */
  failLfns: option.stringList([]),
  /** Whether a failing LFN fails the trigger or the check that would complete the stage-in. */
  failAt: option.oneOf(['trigger', 'check'], 'trigger'),
  /** The first N triggers of each job fail temporarily (retry). */
  transientFailures: option.integer(0, { min: 0 }),
  /** Only jobs with an input matching these patterns get transient failures (default: every job). */
  transientLfns: option.stringList([]),
  /** Create each input file (a few bytes) at its path when the stage-in completes. */
  createFiles: option.boolean(false),
};

export const testkitPreparatorOptions = optionsSchema(shape);
export type TestkitPreparatorOptions = OptionsOfShape<typeof shape>;

const groupOf = (job: JobSpec): string => `testkit-stagein-${job.PandaID}`;

function inputPath(options: TestkitPreparatorOptions, file: FileSpec): { path: string } | { error: string } {
  return safeJoin(options.inputRoot, [file.scope ?? 'noscope', file.lfn]);
}

async function complete(
  options: TestkitPreparatorOptions,
  job: JobSpec,
  files: FileSpec[],
): Promise<Outcome> {
  if (options.createFiles) {
    for (const f of files) {
      const where = inputPath(options, f);
      if ('error' in where) return fatal(where.error);
      try {
        await mkdir(dirname(where.path), { recursive: true });
        await writeFile(where.path, `simulated input ${f.lfn}\n`, { flag: 'wx' }).catch(
          (err: NodeJS.ErrnoException) => {
            if (err.code !== 'EEXIST') throw err;
          },
        );
      } catch (err) {
        return retryLater(`cannot create ${where.path}: ${errorMessage(err)}`);
      }
    }
  }
  job.updateGroupStatusInFiles(groupOf(job), 'done');
  return success();
}

function failing(options: TestkitPreparatorOptions, files: FileSpec[]): string[] {
  return files.map((f) => f.lfn).filter((lfn) => matchesAny(options.failLfns, lfn));
}

function makePreparator(options: TestkitPreparatorOptions, sim: () => Simulation) {
  return {
    async triggerPreparation(job: JobSpec): Promise<Outcome> {
      const s = sim();
      const outcome = await (async (): Promise<Outcome> => {
        const files = job.inputFileSpecs({ skipReady: true });
        const lfns = files.map((f) => f.lfn);
        const transientApplies =
          options.transientLfns.length === 0 || lfns.some((lfn) => matchesAny(options.transientLfns, lfn));
        if (transientApplies && options.transientFailures > 0) {
          const n = s.records.bump(`preparator:trigger:${job.PandaID}`);
          if (n <= options.transientFailures) {
            return retryLater(`transient stage-in failure (simulated, ${n} of ${options.transientFailures})`);
          }
        }
        for (const f of files) {
          const where = inputPath(options, f);
          if ('error' in where) return fatal(`input ${f.lfn}: ${where.error}`);
        }
        const bad = failing(options, files);
        if (bad.length > 0 && options.failAt === 'trigger') {
          return fatal(`stage-in failed (simulated) for ${bad.join(', ')}`);
        }
        s.records.resetCounter(`preparator:check:${job.PandaID}`);
        if (files.length === 0) return success();
        job.setGroupsToFiles({ [groupOf(job)]: { lfns, groupStatus: 'transferring' } });
        if (options.checksToComplete === 0 && bad.length === 0) return complete(options, job, files);
        return success();
      })();
      return record(s, 'preparator', 'triggerPreparation', job.PandaID, outcome);
    },

    async checkStageInStatus(job: JobSpec): Promise<Outcome> {
      const s = sim();
      const outcome = await (async (): Promise<Outcome> => {
        const files = job.inputFileSpecs({ skipReady: true });
        const pending = files.filter((f) => f.groupStatus !== 'done');
        if (pending.length === 0) return success();
        const n = s.records.bump(`preparator:check:${job.PandaID}`);
        if (n < options.checksToComplete) {
          return retryLater(`stage-in in progress (simulated, check ${n} of ${options.checksToComplete})`);
        }
        const bad = failing(options, pending);
        if (bad.length > 0) {
          job.updateGroupStatusInFiles(groupOf(job), 'failed');
          return fatal(`stage-in failed (simulated) for ${bad.join(', ')}`);
        }
        return complete(options, job, pending);
      })();
      return record(s, 'preparator', 'checkStageInStatus', job.PandaID, outcome);
    },

    async resolveInputPaths(job: JobSpec): Promise<Outcome> {
      const s = sim();
      const paths: Record<string, { path: string }> = {};
      const flat: Record<string, string> = {};
      for (const f of job.inputFileSpecs({ skipReady: false })) {
        const where = inputPath(options, f);
        if ('error' in where) {
          return record(
            s,
            'preparator',
            'resolveInputPaths',
            job.PandaID,
            fatal(`input ${f.lfn}: ${where.error}`),
          );
        }
        paths[f.lfn] = { path: where.path };
        flat[f.lfn] = where.path;
      }
      job.setInputFilePaths(paths);
      s.records.inputPaths.set(job.PandaID, flat);
      return record(s, 'preparator', 'resolveInputPaths', job.PandaID, success());
    },
  };
}

const spec = {
  compatibility: TESTKIT_COMPATIBILITY,
  options: testkitPreparatorOptions,
  create(options: TestkitPreparatorOptions) {
    return makePreparator(options, () => ensureSimulation(options.simulation));
  },
};

/**
 * Preparator that stages nothing: input paths are `<inputRoot>/<scope>/<lfn>`. Synchronous by
 * default; with `checksToComplete: N` the Nth check completes. LFNs matching `failLfns` fail the
 * job (fatal); `transientFailures` makes the first triggers retry. Files are grouped in transfer
 * group `testkit-stagein-<PandaID>` (transferring → done). What it did is in the simulation's
 * records.
 */
export const TestkitPreparator: PluginDefinition<'preparator', TestkitPreparatorOptions> = definePreparator({
  name: 'TestkitPreparator',
  description: 'Simulated stage-in with configurable delay and failures.',
  ...spec,
});

/** TestkitPreparator under Harvester's name for a preparator that does nothing real. */
export const DummyPreparator: PluginDefinition<'preparator', TestkitPreparatorOptions> = definePreparator({
  name: 'DummyPreparator',
  description: 'Simulated stage-in (same as TestkitPreparator).',
  ...spec,
});
