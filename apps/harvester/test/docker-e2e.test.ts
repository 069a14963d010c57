// The harvester app with a Docker queue, against the real dockerd of scripts/services.sh: jobs
// with stage-in and stage-out run in containers of the busybox test image to done.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rucioPath } from '@harvester-ts/stager-posix';
import { DOCKER_TEST_IMAGE, describeWithService, probeDocker } from '@harvester-ts/test-support';
import { adler32Hex, harvester, json, outboxRecords, removeDir, shellJob, tempDir } from './helpers.js';

const docker = probeDocker();

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
  'docker',
  docker.available,
  docker.whyNot,
)('harvester with a Docker queue', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('docker-e2e');
  });
  afterEach(async () => {
    // The harvester keeps ended containers (for their logs) until its sweeper's keep time; the
    // test removes them itself.
    const { harvesterId } = await json<{ harvesterId: string }>(dir, ['config', 'show']);
    const ids = execFileSync(
      'docker',
      ['ps', '-aq', '--filter', `label=org.harvester-ts.harvester-id=${harvesterId}`],
      { encoding: 'utf8' },
    )
      .split('\n')
      .filter(Boolean);
    if (ids.length > 0) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
    removeDir(dir);
  });

  it('runs jobs with stage-in and stage-out to done in containers', async () => {
    writeFileSync(
      join(dir, 'harvester.config.json'),
      JSON.stringify({
        profile: 'local',
        queues: {
          DOCKER_TEST: {
            templateQueueName: 'LOCAL_TEMPLATE',
            submitter: {
              module: '@harvester-ts/docker',
              name: 'DockerSubmitter',
              image: DOCKER_TEST_IMAGE,
              // The job directories link their inputs to the staging area: the container sees it too.
              // biome-ignore lint/suspicious/noTemplateCurlyInString: the app's placeholder
              mounts: [{ source: '${dataDir}/staging', readOnly: true }],
            },
            monitor: { module: '@harvester-ts/docker', name: 'DockerMonitor' },
            sweeper: { module: '@harvester-ts/docker', name: 'DockerSweeper', killGraceSeconds: 5 },
          },
        },
      }),
    );
    const input = Buffer.from('input for docker\n');
    const inPath = rucioPath(join(dir, 'var', 'storage'), 'test', 'docker.in.txt');
    mkdirSync(dirname(inPath), { recursive: true });
    writeFileSync(inPath, input);
    const jobs = [
      shellJob(81, 'tr a-z A-Z < docker.in.txt > docker.out.81.txt', {
        inFiles: [{ lfn: 'docker.in.txt', fsize: input.length, checksum: `ad:${adler32Hex(input)}` }],
        outFiles: ['docker.out.81.txt'],
      }),
      shellJob(82, 'hostname > docker.out.82.txt', { outFiles: ['docker.out.82.txt'] }),
      shellJob(83, 'exit 5', { outFiles: ['docker.out.83.txt'] }),
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
    expect(data81.toString()).toBe('INPUT FOR DOCKER\n');
    expect(out81.chksum).toBe(`ad:${adler32Hex(data81)}`);
    // The payload ran in a container: its hostname is the start of the container id (batchID).
    const workers = await json<WorkerRow[]>(dir, ['workers']);
    const w82 = workers.find((w) => w.jobs.includes(82))!;
    const seen = readFileSync(fileURLToPath(rows[1]!.outputs[0]!.url!), 'utf8').trim();
    expect(seen.length).toBeGreaterThanOrEqual(12);
    expect(w82.batchID?.startsWith(seen)).toBe(true);
    expect(workers.map((w) => w.status).sort()).toEqual(['failed', 'finished', 'finished']);
    const finals = outboxRecords(join(dir, 'var', 'spool')).filter(
      (r) => r.type === 'jobUpdate' && (r.status === 'finished' || r.status === 'failed'),
    );
    expect(new Set(finals.map((r) => r.PandaID))).toEqual(new Set([81, 82, 83]));
  }, 300_000);
});
