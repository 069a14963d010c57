// The harvester app with a Slurm queue, against the real one-node Slurm of scripts/services.sh:
// jobs with stage-in and stage-out go through sbatch, squeue and scancel to done.
import { describeWithService, probeSlurm } from '@harvester-ts/test-support';
import { runBatchQueueScenario } from './batch-queue-e2e.js';
import { removeDir, tempDir } from './helpers.js';

const slurm = probeSlurm();

describeWithService(
  'slurm',
  slurm.available,
  slurm.whyNot,
)('harvester with a Slurm queue', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('slurm-e2e');
  });
  afterEach(() => removeDir(dir));

  it('runs jobs with stage-in and stage-out to done through sbatch and squeue', async () => {
    const { seen, worker } = await runBatchQueueScenario(
      dir,
      'SLURM_TEST',
      {
        submitter: { module: '@harvester-ts/slurm', name: 'SlurmSubmitter', partition: 'debug' },
        monitor: { module: '@harvester-ts/slurm', name: 'SlurmMonitor' },
        sweeper: { module: '@harvester-ts/slurm', name: 'SlurmSweeper' },
      },
      'echo $SLURM_JOB_ID',
    );
    // The payload ran inside a Slurm job: it saw its own job id, which is the worker's batchID.
    expect(worker.batchID).toBe(seen);
  }, 300_000);
});
