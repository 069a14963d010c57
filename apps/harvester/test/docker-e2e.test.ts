// The harvester app with a Docker queue, against the real dockerd of scripts/services.sh: jobs
// with stage-in and stage-out run in containers of the busybox test image to done.
import { execFileSync } from 'node:child_process';
import { DOCKER_TEST_IMAGE, describeWithService, probeDocker } from '@harvester-ts/test-support';
import { runBatchQueueScenario } from './batch-queue-e2e.js';
import { json, removeDir, tempDir } from './helpers.js';

const docker = probeDocker();

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
    const { seen, worker } = await runBatchQueueScenario(
      dir,
      'DOCKER_TEST',
      {
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
      'hostname',
    );
    // The payload ran in a container: its hostname is the start of the container id (batchID).
    expect(seen.length).toBeGreaterThanOrEqual(12);
    expect(worker.batchID?.startsWith(seen)).toBe(true);
  }, 300_000);
});
