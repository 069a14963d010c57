// Stage-out against nothing: outputs get a destination URL and are marked finished (or failed),
// synchronously or after N checks, with failure injection per LFN pattern and transient failures.
import {
  defineStager,
  type FileSpec,
  FileStatus,
  fatal,
  type JobSpec,
  type Outcome,
  type PluginDefinition,
  retryLater,
  success,
} from '@harvester-ts/core';
import { type OptionsOfShape, option, optionsSchema } from '../options-schema.js';
import { adler32Hex } from '../panda-job.js';
import { DEFAULT_SIMULATION, ensureSimulation, type Simulation } from '../registry.js';
import { matchesAny, record, safeJoin, TESTKIT_COMPATIBILITY, unsafeSegment } from './common.js';

const shape = {
  simulation: option.string(DEFAULT_SIMULATION),
  /** Outputs go to `<destination>/<scope>/<lfn>` (set as the file's url). */
  destination: option.string('sim://storage'),
  /** 0: stage-out completes in triggerStageOut; N: the Nth checkStageOutStatus completes it. */
  checksToComplete: option.integer(0, { min: 0 }),
  /** Glob patterns (`*`, `?`) of LFNs whose transfer fails for good: the file is failed, the call fatal. */
  failLfns: option.stringList([]),
  /** Whether a failing LFN fails the trigger or the check that would complete the stage-out. */
  failAt: option.oneOf(['trigger', 'check'], 'trigger'),
  /** The first N triggers of each job fail temporarily (retry). */
  transientFailures: option.integer(0, { min: 0 }),
  /** Directory zip files are said to be made in (zipOutput writes nothing). */
  zipDir: option.string('/tmp/harvester-testkit/zips'),
};

export const testkitStagerOptions = optionsSchema(shape);
export type TestkitStagerOptions = OptionsOfShape<typeof shape>;

const groupOf = (job: JobSpec): string => `testkit-stageout-${job.PandaID}`;

function settle(sim: Simulation, job: JobSpec, files: FileSpec[], failed: ReadonlySet<string>): void {
  const staged = sim.records.stagedOut.get(job.PandaID) ?? {};
  for (const f of files) {
    f.status = failed.has(f.lfn) ? FileStatus.failed : FileStatus.finished;
    staged[f.lfn] = { status: f.status, url: f.url };
  }
  sim.records.stagedOut.set(job.PandaID, staged);
  job.updateGroupStatusInFiles(groupOf(job), failed.size > 0 ? 'failed' : 'done');
}

function makeStager(options: TestkitStagerOptions, sim: () => Simulation) {
  const failing = (files: FileSpec[]): Set<string> =>
    new Set(files.map((f) => f.lfn).filter((lfn) => matchesAny(options.failLfns, lfn)));

  return {
    async triggerStageOut(job: JobSpec): Promise<Outcome> {
      const s = sim();
      const outcome = ((): Outcome => {
        const files = job.getOutputFileSpecs({ skipDone: true });
        if (options.transientFailures > 0) {
          const n = s.records.bump(`stager:trigger:${job.PandaID}`);
          if (n <= options.transientFailures) {
            return retryLater(
              `transient stage-out failure (simulated, ${n} of ${options.transientFailures})`,
            );
          }
        }
        for (const f of files) {
          const why = unsafeSegment(f.lfn) ?? unsafeSegment(f.scope ?? 'noscope');
          if (why !== undefined) return fatal(`output ${JSON.stringify(f.lfn)}: unsafe name: ${why}`);
        }
        s.records.resetCounter(`stager:check:${job.PandaID}`);
        const base = options.destination.replace(/\/+$/, '');
        for (const f of files) f.url = `${base}/${f.scope ?? 'noscope'}/${f.lfn}`;
        if (files.length === 0) return success();
        job.setGroupsToFiles({
          [groupOf(job)]: { lfns: files.map((f) => f.lfn), groupStatus: 'transferring' },
        });
        const bad = failing(files);
        if (bad.size > 0 && options.failAt === 'trigger') {
          settle(
            s,
            job,
            files.filter((f) => bad.has(f.lfn)),
            bad,
          );
          return fatal(`stage-out failed (simulated) for ${[...bad].join(', ')}`);
        }
        if (options.checksToComplete === 0 && bad.size === 0) settle(s, job, files, bad);
        return success();
      })();
      return record(s, 'stager', 'triggerStageOut', job.PandaID, outcome);
    },

    async checkStageOutStatus(job: JobSpec): Promise<Outcome> {
      const s = sim();
      const outcome = ((): Outcome => {
        const files = job.getOutputFileSpecs({ skipDone: true });
        if (files.length === 0) return success();
        const n = s.records.bump(`stager:check:${job.PandaID}`);
        if (n < options.checksToComplete) {
          return retryLater(`stage-out in progress (simulated, check ${n} of ${options.checksToComplete})`);
        }
        const bad = failing(files);
        settle(s, job, files, bad);
        return bad.size > 0 ? fatal(`stage-out failed (simulated) for ${[...bad].join(', ')}`) : success();
      })();
      return record(s, 'stager', 'checkStageOutStatus', job.PandaID, outcome);
    },

    async zipOutput(job: JobSpec): Promise<Outcome> {
      const s = sim();
      for (const zip of job.getOutputFileSpecs({ skipDone: true })) {
        if (zip.associatedFiles.length === 0) continue;
        const where = safeJoin(options.zipDir, [zip.lfn]);
        if ('error' in where)
          return record(s, 'stager', 'zipOutput', job.PandaID, fatal(`zip ${zip.lfn}: ${where.error}`));
        zip.path = where.path;
        zip.fsize = zip.associatedFiles.reduce((sum, f) => sum + (f.fsize ?? 0), 0);
        zip.chksum = `ad:${adler32Hex(zip.associatedFiles.map((f) => f.lfn).join(','))}`;
      }
      return record(s, 'stager', 'zipOutput', job.PandaID, success());
    },
  };
}

const spec = {
  compatibility: TESTKIT_COMPATIBILITY,
  options: testkitStagerOptions,
  create(options: TestkitStagerOptions) {
    return makeStager(options, () => ensureSimulation(options.simulation));
  },
};

/**
 * Stager that transfers nothing: each output gets url `<destination>/<scope>/<lfn>` and is marked
 * finished, in triggerStageOut by default or at the Nth check with `checksToComplete: N` (status
 * untouched until then). LFNs matching `failLfns` are marked failed and the call is fatal;
 * `transientFailures` makes the first triggers retry. zipOutput sets path, fsize and chksum of
 * zip files without writing anything. What it did is in the simulation's records.
 */
export const TestkitStager: PluginDefinition<'stager', TestkitStagerOptions> = defineStager({
  name: 'TestkitStager',
  description: 'Simulated stage-out with configurable delay and failures.',
  ...spec,
});

/** TestkitStager under Harvester's name for a stager that does nothing real. */
export const DummyStager: PluginDefinition<'stager', TestkitStagerOptions> = defineStager({
  name: 'DummyStager',
  description: 'Simulated stage-out (same as TestkitStager).',
  ...spec,
});
