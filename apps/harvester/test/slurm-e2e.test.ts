// The harvester app with a Slurm queue, against the real one-node Slurm of scripts/services.sh:
// jobs with stage-in and stage-out go through sbatch, squeue and scancel to done.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rucioPath } from '@harvester-ts/stager-posix';
import { describeWithService, probeSlurm } from '@harvester-ts/test-support';
import { adler32Hex, harvester, json, outboxRecords, removeDir, shellJob, tempDir } from './helpers.js';

const slurm = probeSlurm();

interface JobRow {
  PandaID: number;
  status: string;
  subStatus: string;
  workers: number[];
  outputs: { lfn: string; status: string; fsize: number | null; chksum: string | null; url: string | null }[];
}
interface WorkerRow {
  workerID: number;
  status: string;
  batchID: string | null;
  jobs: number[];
}

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
    writeFileSync(
      join(dir, 'harvester.config.json'),
      JSON.stringify({
        profile: 'local',
        queues: {
          SLURM_TEST: {
            templateQueueName: 'LOCAL_TEMPLATE',
            submitter: {
              module: '@harvester-ts/slurm',
              name: 'SlurmSubmitter',
              partition: 'debug',
            },
            monitor: { module: '@harvester-ts/slurm', name: 'SlurmMonitor' },
            sweeper: { module: '@harvester-ts/slurm', name: 'SlurmSweeper' },
          },
        },
      }),
    );
    const input = Buffer.from('input for slurm\n');
    const inPath = rucioPath(join(dir, 'var', 'storage'), 'test', 'slurm.in.txt');
    mkdirSync(dirname(inPath), { recursive: true });
    writeFileSync(inPath, input);
    const jobs = [
      shellJob(81, 'tr a-z A-Z < slurm.in.txt > slurm.out.81.txt', {
        inFiles: [{ lfn: 'slurm.in.txt', fsize: input.length, checksum: `ad:${adler32Hex(input)}` }],
        outFiles: ['slurm.out.81.txt'],
      }),
      shellJob(82, 'echo $SLURM_JOB_ID > slurm.out.82.txt', { outFiles: ['slurm.out.82.txt'] }),
      shellJob(83, 'exit 5', { outFiles: ['slurm.out.83.txt'] }),
    ];
    writeFileSync(join(dir, 'jobs.json'), JSON.stringify(jobs));
    expect((await harvester(dir, ['config', 'validate'])).code).toBe(0);
    expect((await harvester(dir, ['jobs', 'add', 'jobs.json'])).code).toBe(0);

    const run = await harvester(dir, ['run', '--until-idle', '--timeout', '240']);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });

    const rows = await json<JobRow[]>(dir, ['jobs']);
    expect(rows.map((j) => [j.PandaID, j.status, j.subStatus])).toEqual([
      [81, 'finished', 'done'],
      [82, 'finished', 'done'],
      [83, 'failed', 'done'],
    ]);
    const out81 = rows[0]!.outputs[0]!;
    const data81 = readFileSync(fileURLToPath(out81.url!));
    expect(data81.toString()).toBe('INPUT FOR SLURM\n');
    expect(out81.chksum).toBe(`ad:${adler32Hex(data81)}`);
    // The payload ran inside a Slurm job: it saw its own job id, which is the worker's batchID.
    const workers = await json<WorkerRow[]>(dir, ['workers']);
    const w82 = workers.find((w) => w.jobs.includes(82))!;
    const seen = readFileSync(fileURLToPath(rows[1]!.outputs[0]!.url!), 'utf8').trim();
    expect(w82.batchID).toBe(seen);
    expect(workers.map((w) => w.status).sort()).toEqual(['failed', 'finished', 'finished']);
    const finals = outboxRecords(join(dir, 'var', 'spool')).filter(
      (r) => r.type === 'jobUpdate' && (r.status === 'finished' || r.status === 'failed'),
    );
    expect(new Set(finals.map((r) => r.PandaID))).toEqual(new Set([81, 82, 83]));
  }, 300_000);
});
