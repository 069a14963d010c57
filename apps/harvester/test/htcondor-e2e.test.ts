// The harvester app with an HTCondor queue, against @harvester-ts/htcondor's CLI emulator
// (HTCondor cannot be installed here): condor_submit, condor_q, condor_history and condor_rm are
// the emulator's, first on PATH of the harvester process; the jobs really run as local processes.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runBatchQueueScenario } from './batch-queue-e2e.js';
import { removeDir, tempDir } from './helpers.js';

const require = createRequire(import.meta.url);
const EMULATOR_BIN = join(
  dirname(require.resolve('@harvester-ts/htcondor/package.json')),
  'test/emulator/bin',
);

describe('harvester with an HTCondor queue', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    dir = tempDir('htcondor-e2e');
    const state = join(dir, 'condor');
    mkdirSync(state);
    env = { PATH: `${EMULATOR_BIN}:${process.env.PATH ?? ''}`, HTCONDOR_EMULATOR_DIR: state };
  });
  afterEach(() => {
    // Ends the emulated schedd's job runner and any job process left.
    execFileSync(join(EMULATOR_BIN, 'condor_emulator'), ['stop'], { env: { ...process.env, ...env } });
    removeDir(dir);
  });

  it('runs jobs with stage-in and stage-out to done through condor_submit and condor_q', async () => {
    const { seen, worker } = await runBatchQueueScenario(
      dir,
      'CONDOR_TEST',
      {
        submitter: { module: '@harvester-ts/htcondor', name: 'HTCondorSubmitter' },
        monitor: { module: '@harvester-ts/htcondor', name: 'HTCondorMonitor' },
        sweeper: { module: '@harvester-ts/htcondor', name: 'HTCondorSweeper' },
      },
      'echo $CONDOR_ID',
      env,
    );
    // The payload ran inside the HTCondor job that is the worker: Cluster.Proc is its batchID.
    expect(worker.batchID).toMatch(/^\d+\.\d+$/);
    expect(seen).toBe(worker.batchID);

    // The schedd's own record: three jobs, each carrying its worker's harvester attributes, done.
    const history = JSON.parse(
      execFileSync(
        'condor_history',
        ['-json', '-attributes', 'ClusterId,ProcId,JobStatus,ExitCode,harvesterWorkerID,JobBatchName'],
        { env: { ...process.env, ...env }, encoding: 'utf8' },
      ),
    ) as {
      ClusterId: number;
      ProcId: number;
      JobStatus: number;
      ExitCode: number;
      harvesterWorkerID: number;
      JobBatchName: string;
    }[];
    expect(history).toHaveLength(3);
    expect(history.every((ad) => ad.JobStatus === 4)).toBe(true);
    const ran82 = history.find((ad) => `${ad.ClusterId}.${ad.ProcId}` === worker.batchID)!;
    expect(ran82.harvesterWorkerID).toBe(worker.workerID);
    expect(ran82.JobBatchName).toMatch(new RegExp(`-${worker.workerID}$`));
    // The failing payload's worker exited non-zero; the wrapper passes it on.
    expect(history.filter((ad) => ad.ExitCode !== 0)).toHaveLength(1);
  }, 300_000);
});
