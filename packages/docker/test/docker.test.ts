// Against a real Docker Engine (`bash scripts/services.sh up docker`): the engine's worker wrapper
// run by DockerSubmitter in the busybox test image (its sh is busybox's), watched by DockerMonitor,
// stopped and swept by DockerSweeper. All in one file, run in order: one test stops and restarts
// dockerd.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkerCheckResult, WorkSpec } from '@harvester-ts/core';
import { WORKER_WRAPPER_PATH } from '@harvester-ts/engine';
import {
  DOCKER_TEST_IMAGE,
  describeWithService,
  probeDocker,
  startDockerd,
  stopDockerd,
} from '@harvester-ts/test-support';
import {
  buildContainerSpec,
  createEngineClient,
  DOCKER_FILE_NAMES,
  DOCKER_LABELS,
  harvesterFilter,
  parseContainerDetails,
  parseContainerList,
} from '../src/index.js';
import {
  countingClient,
  HID,
  isFinal,
  makeMonitor,
  makeRoot,
  makeSubmitter,
  makeSweeper,
  pollUntil,
  sleep,
  statusOf,
  workerWithPayload,
} from './helpers.js';

const docker = probeDocker();
const describeDocker = describeWithService('docker', docker.available, docker.whyNot);

const EXECUTABLE = ['sh', WORKER_WRAPPER_PATH];
const client = createEngineClient({ requestTimeoutSeconds: 30 });

let root: string;

async function inspect(id: string) {
  return parseContainerDetails(await client.inspectContainer(id));
}

/** The raw inspect answer, for fields the plugins do not parse (HostConfig, Mounts, Config). */
async function inspectRaw(id: string): Promise<{
  Config: { User: string; Env: string[]; Cmd: string[]; Entrypoint: string[]; WorkingDir: string };
  HostConfig: { NanoCpus: number; Memory: number; AutoRemove: boolean };
  Mounts: { Source: string; Destination: string; RW: boolean }[];
}> {
  return (await client.inspectContainer(id)) as never;
}

describeDocker('Docker plugins on a real Docker Engine', () => {
  beforeAll(async () => {
    root = await makeRoot();
  });

  afterAll(async () => {
    const mine = parseContainerList(await client.listContainers(harvesterFilter(HID))).containers;
    await Promise.all(
      mine.map((c) => client.removeContainer(c.id, { force: true, volumes: true }).catch(() => {})),
    );
    await rm(root, { recursive: true, force: true });
  });

  it('runs a worker under busybox sh: running, then finished with exit code 0 and its logs saved', async () => {
    const counted = countingClient(client);
    const submitter = await makeSubmitter({
      image: DOCKER_TEST_IMAGE,
      executable: EXECUTABLE,
      engineClient: counted,
    });
    const monitor = await makeMonitor({ engineClient: counted });
    const worker = await workerWithPayload(
      root,
      'echo "ncore=$HARVESTER_NCORE id=$HARVESTER_WORKER_ID ap=$HARVESTER_ACCESS_POINT" > env.out; sh --help 2>&1 | head -1 > shell.out; sleep 2',
      { nCore: 2, minRamCount: 64 },
    );
    const [outcome] = await submitter.submitWorkers([worker]);
    expect(outcome).toEqual({ kind: 'success', value: undefined });
    expect(worker.batchID).toMatch(/^[0-9a-f]{64}$/);
    expect(counted.requests.map((r) => r.op)).toEqual(['createContainer', 'startContainer']);
    const ap = worker.accessPoint as string;
    expect(JSON.parse(await readFile(join(ap, DOCKER_FILE_NAMES.record), 'utf8'))).toMatchObject({
      batchName: `${HID}-${worker.workerID}`,
      workerID: worker.workerID,
      containerName: worker.batchName,
      containerId: worker.batchID,
    });

    // The container: named, labelled, limited, the wrapper mounted read-only, the access point read-write.
    const d = await inspect(worker.batchID as string);
    expect(d.name).toBe(worker.batchName);
    expect(d.labels).toMatchObject({
      [DOCKER_LABELS.harvesterId]: HID,
      [DOCKER_LABELS.workerId]: String(worker.workerID),
      [DOCKER_LABELS.queue]: 'TEST_QUEUE',
      [DOCKER_LABELS.batchName]: worker.batchName,
      [DOCKER_LABELS.accessPoint]: ap,
    });
    const raw = await inspectRaw(worker.batchID as string);
    expect(raw.HostConfig).toMatchObject({ NanoCpus: 2e9, Memory: 64 * 1024 * 1024, AutoRemove: false });
    expect(raw.Config.Entrypoint).toEqual(['sh']);
    expect(raw.Config.Cmd).toEqual(['/harvester/harvester-worker.sh', ap]);
    expect(raw.Config.User).toBe(`${process.getuid?.()}:${process.getgid?.()}`);
    expect(raw.Mounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Source: ap, Destination: ap, RW: true }),
        expect.objectContaining({
          Source: WORKER_WRAPPER_PATH,
          Destination: '/harvester/harvester-worker.sh',
          RW: false,
        }),
      ]),
    );

    const [first] = await monitor.checkWorkers([worker]);
    expect(['submitted', 'running']).toContain(statusOf(first));
    const [final] = await pollUntil(monitor, [worker], isFinal, 60_000);
    expect(final).toEqual({ kind: 'status', status: 'finished' });
    expect(worker).toMatchObject({ nativeStatus: 'exited', nativeExitCode: 0 });
    expect((await readFile(join(ap, 'env.out'), 'utf8')).trim()).toBe(
      `ncore=2 id=${worker.workerID} ap=${ap}`,
    );
    expect(await readFile(join(ap, 'shell.out'), 'utf8')).toMatch(/^BusyBox v/);
    expect((await readFile(join(ap, DOCKER_FILE_NAMES.exitCode), 'utf8')).trim()).toBe('0');
    // The wrapper's log went to the container's stderr, saved into the access point by the monitor.
    expect(await readFile(join(ap, DOCKER_FILE_NAMES.stderr), 'utf8')).toContain('harvester-worker: job');
    expect(worker.getLogFile('stderr')).toBe(join(ap, DOCKER_FILE_NAMES.stderr));
    expect(worker.getLogFile('stdout')).toBe(join(ap, DOCKER_FILE_NAMES.stdout));
    expect(worker.endTime).toBeInstanceOf(Date);

    // Swept: the container and the access point are gone.
    const sweeper = await makeSweeper({});
    expect(await sweeper.sweepWorker(worker)).toEqual({ kind: 'success', value: undefined });
    expect(existsSync(ap)).toBe(false);
    await expect(client.inspectContainer(worker.batchID as string)).rejects.toMatchObject({
      kind: 'notFound',
    });
  }, 90_000);

  it('reports a non-zero exit as failed with nativeExitCode', async () => {
    const submitter = await makeSubmitter({ image: DOCKER_TEST_IMAGE, executable: EXECUTABLE });
    const monitor = await makeMonitor({});
    const worker = await workerWithPayload(root, 'echo bad >&2; exit 3');
    await submitter.submitWorkers([worker]);
    const [final] = await pollUntil(monitor, [worker], isFinal, 60_000);
    expect(final).toEqual({
      kind: 'status',
      status: 'failed',
      diag: `container ${worker.batchName} exited with code 3`,
    });
    expect(worker).toMatchObject({ nativeStatus: 'exited', nativeExitCode: 3 });
    expect(await readFile(join(worker.accessPoint as string, 'payload.stderr'), 'utf8')).toBe('bad\n');
  }, 90_000);

  it('reports an OOM kill under the memory limit from minRamCount', async () => {
    const submitter = await makeSubmitter({ image: DOCKER_TEST_IMAGE, executable: EXECUTABLE });
    const monitor = await makeMonitor({});
    // 100 MB in a shell variable, in a container limited to 32 MiB (no swap).
    const worker = await workerWithPayload(
      root,
      'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo "$x" | wc -c',
      {
        minRamCount: 32,
      },
    );
    await submitter.submitWorkers([worker]);
    const [final] = await pollUntil(monitor, [worker], isFinal, 60_000);
    expect(final).toMatchObject({ kind: 'status', status: 'failed' });
    expect((final as { diag: string }).diag).toMatch(
      /^container .* exited with code 137 \(signal 9\); OOMKilled: it went over its memory limit of 32 MiB$/,
    );
    expect(worker).toMatchObject({ nativeStatus: 'exited (OOMKilled)', nativeExitCode: 137 });
    expect(worker.diagMessage).toContain('OOMKilled');
  }, 90_000);

  it('kills with a grace: the wrapper stops on TERM; a container ignoring TERM is KILLed after the grace', async () => {
    const wrapped = await makeSubmitter({ image: DOCKER_TEST_IMAGE, executable: EXECUTABLE });
    // A stand-in for the wrapper that ignores SIGTERM (argv: sh -c <script> <$0> <access point>).
    const stubborn = await makeSubmitter({
      image: DOCKER_TEST_IMAGE,
      executable: ['sh', '-c', 'trap "" TERM; echo started; while :; do sleep 1; done', 'term-ignorer'],
    });
    const monitor = await makeMonitor({});
    const sweeper = await makeSweeper({ killGraceSeconds: 8 });
    const polite = await workerWithPayload(root, 'sleep 300');
    const deaf = await workerWithPayload(root, 'true');
    await wrapped.submitWorkers([polite]);
    await stubborn.submitWorkers([deaf]);
    await pollUntil(monitor, [polite, deaf], (r) => statusOf(r) === 'running', 30_000);
    // The wrapper has started its payload before it is stopped.
    for (let i = 0; i < 40 && !existsSync(join(polite.accessPoint as string, 'payload.stdout')); i++)
      await sleep(250);

    const outcomes = await sweeper.killWorkers([polite, deaf]);
    expect(outcomes).toEqual([
      { kind: 'success', value: undefined, diag: 'stopped the container (SIGTERM, SIGKILL after 8 s)' },
      { kind: 'success', value: undefined, diag: 'stopped the container (SIGTERM, SIGKILL after 8 s)' },
    ]);
    // Both have ended when the stops return.
    expect((await inspect(polite.batchID as string)).state).toMatchObject({
      status: 'exited',
      exitCode: 143,
    });
    expect((await inspect(deaf.batchID as string)).state).toMatchObject({ status: 'exited', exitCode: 137 });
    const results = await monitor.checkWorkers([polite, deaf]);
    expect(results).toEqual([
      {
        kind: 'status',
        status: 'cancelled',
        diag: `container ${polite.batchName} was stopped by the sweeper and exited with code 143 (signal 15)`,
      },
      {
        kind: 'status',
        status: 'cancelled',
        diag: `container ${deaf.batchName} was stopped by the sweeper and exited with code 137 (signal 9)`,
      },
    ]);
    // The wrapper recorded the payload's end; the stand-in never got to.
    const attrs = JSON.parse(
      await readFile(join(polite.accessPoint as string, 'worker_attributes.json'), 'utf8'),
    );
    expect(attrs).toMatchObject({ jobStatus: 'failed', transExitCode: 143 });
    expect(await readFile(join(deaf.accessPoint as string, DOCKER_FILE_NAMES.stdout), 'utf8')).toBe(
      'started\n',
    );
    // Killing again: the containers are not running, which is fine.
    expect((await sweeper.killWorkers([polite]))[0]).toEqual({
      kind: 'success',
      value: undefined,
      diag: 'the container was not running',
    });
  }, 90_000);

  it('30 workers: one list request per monitor cycle, an inspect only when a container changed', async () => {
    const counted = countingClient(client);
    const submitter = await makeSubmitter({
      image: DOCKER_TEST_IMAGE,
      executable: EXECUTABLE,
      engineClient: counted,
    });
    const monitor = await makeMonitor({ engineClient: counted });
    const sweeper = await makeSweeper({ engineClient: counted });
    const workers: WorkSpec[] = [];
    for (let i = 0; i < 30; i++) workers.push(await workerWithPayload(root, `sleep ${1 + (i % 4)}`));
    const outcomes = await submitter.submitWorkers(workers);
    expect(outcomes.every((o) => o.kind === 'success')).toBe(true);
    expect(counted.count('createContainer')).toBe(30);
    expect(counted.count('startContainer')).toBe(30);
    expect(new Set(workers.map((w) => w.batchID)).size).toBe(30);

    const perCycle: { list: number; inspect: number; logs: number }[] = [];
    let results: WorkerCheckResult[] = [];
    for (let cycle = 0; cycle < 60; cycle++) {
      counted.reset();
      results = await monitor.checkWorkers(workers);
      perCycle.push({
        list: counted.count('listContainers'),
        inspect: counted.count('inspectContainer'),
        logs: counted.count('containerLogs'),
      });
      if (results.every(isFinal)) break;
      await sleep(500);
    }
    expect(results.map(statusOf)).toEqual(Array(30).fill('finished'));
    expect(perCycle.every((c) => c.list === 1)).toBe(true);
    // Each container is inspected when first seen (running) and once more when it has exited.
    expect(perCycle[0]?.inspect).toBe(30);
    expect(perCycle.reduce((n, c) => n + c.inspect, 0)).toBeLessThanOrEqual(60);
    expect(perCycle.reduce((n, c) => n + c.logs, 0)).toBe(30);
    // Nothing else was asked: no per-worker requests beyond those.
    expect(perCycle.length).toBeGreaterThan(1);

    counted.reset();
    const swept = await Promise.all(workers.map((w) => sweeper.sweepWorker(w)));
    expect(swept.every((o) => o.kind === 'success')).toBe(true);
    expect(counted.count('removeContainer')).toBe(30);
    const left = parseContainerList(await client.listContainers(harvesterFilter(HID))).containers;
    expect(left.filter((c) => workers.some((w) => w.batchID === c.id))).toEqual([]);
  }, 120_000);

  it('dockerd restarted during monitoring: retried meanwhile, no worker wrongly finalised, statuses resume', async () => {
    const submitter = await makeSubmitter({ image: DOCKER_TEST_IMAGE, executable: EXECUTABLE });
    const monitor = await makeMonitor({});
    const workers = [
      await workerWithPayload(root, 'sleep 4'),
      await workerWithPayload(root, 'sleep 4; exit 5'),
      await workerWithPayload(root, 'sleep 60'),
    ];
    expect((await submitter.submitWorkers(workers)).every((o) => o.kind === 'success')).toBe(true);
    expect(
      (await pollUntil(monitor, workers, (r) => statusOf(r) === 'running', 30_000)).map(statusOf),
    ).toEqual(['running', 'running', 'running']);
    stopDockerd();
    try {
      const during = await monitor.checkWorkers(workers);
      for (const r of during) {
        expect(r).toMatchObject({ kind: 'retry', diag: expect.stringContaining('cannot be reached') });
      }
      // A submission meanwhile is retried, not failed.
      const late = await workerWithPayload(root, 'true');
      expect((await submitter.submitWorkers([late]))[0]).toMatchObject({
        kind: 'retry',
        diag: expect.stringContaining('cannot be reached'),
      });
      // Two of the containers end while dockerd is away (live-restore keeps them running).
      await sleep(5000);
      const still = await monitor.checkWorkers(workers);
      expect(still.some(isFinal)).toBe(false);
    } finally {
      startDockerd();
    }
    const after = await pollUntil(monitor, workers, (r) => isFinal(r) || statusOf(r) === 'running', 60_000);
    let results = after;
    if (!isFinal(results[0]) || !isFinal(results[1])) {
      results = await pollUntil(monitor, workers.slice(0, 2), isFinal, 60_000);
    }
    expect(results[0]).toEqual({ kind: 'status', status: 'finished' });
    expect(results[1]).toEqual({
      kind: 'status',
      status: 'failed',
      diag: `container ${workers[1]?.batchName} exited with code 5`,
    });
    expect(workers[1]).toMatchObject({ nativeExitCode: 5 });
    expect(statusOf((await monitor.checkWorkers([workers[2] as WorkSpec]))[0])).toBe('running');
    const sweeper = await makeSweeper({ killGraceSeconds: 1 });
    expect((await sweeper.killWorkers([workers[2] as WorkSpec]))[0]).toMatchObject({ kind: 'success' });
  }, 120_000);

  it('adopts after a crash: the same container for a repeated submission, found by name, started if never started', async () => {
    const submitter = await makeSubmitter({ image: DOCKER_TEST_IMAGE, executable: EXECUTABLE });
    const monitor = await makeMonitor({});
    const worker = await workerWithPayload(root, 'sleep 1');
    await submitter.submitWorkers([worker]);
    const firstID = worker.batchID;
    // The harvester died before it recorded the batchID; a new process submits the worker again.
    worker.batchID = null;
    const again = await makeSubmitter({ image: DOCKER_TEST_IMAGE, executable: EXECUTABLE });
    expect((await again.submitWorkers([worker]))[0]).toEqual({
      kind: 'success',
      value: undefined,
      diag: `adopted the existing container ${worker.batchName}`,
    });
    expect(worker.batchID).toBe(firstID);
    const named = spawnSync(
      'docker',
      ['ps', '-a', '-q', '--no-trunc', '--filter', `name=^/${worker.batchName}$`],
      {
        encoding: 'utf8',
      },
    );
    expect(named.stdout.trim().split('\n')).toEqual([firstID]);

    // A container created before a crash and never started: found by its name and started.
    const pending = await workerWithPayload(root, 'true');
    const { name, spec } = buildContainerSpec(
      {
        workerID: pending.workerID,
        batchName: pending.batchName,
        nCore: 1,
        minRamCount: null,
        accessPoint: pending.accessPoint as string,
      },
      {
        harvesterId: HID,
        queueName: 'TEST_QUEUE',
        image: DOCKER_TEST_IMAGE,
        argv: ['sh', '/harvester/harvester-worker.sh'],
        executableMounts: [
          {
            Type: 'bind',
            Source: WORKER_WRAPPER_PATH,
            Target: '/harvester/harvester-worker.sh',
            ReadOnly: true,
          },
        ],
        env: {},
        user: '',
        mounts: [],
        cpuLimit: 'none',
        cpuFactor: 1,
        memoryLimit: false,
        memoryFactor: 1,
        init: false,
        labels: {},
      },
    );
    const createdID = await client.createContainer(name, spec);
    const absent = await workerWithPayload(root, 'true');
    const found = await monitor.findWorkersByBatchName!([worker, pending, absent]);
    expect(found).toEqual([
      { kind: 'found', batchID: firstID, submissionHost: expect.any(String) },
      { kind: 'found', batchID: createdID, submissionHost: expect.any(String) },
      { kind: 'notFound' },
    ]);
    pending.batchID = createdID;
    const [final] = await pollUntil(monitor, [pending], isFinal, 30_000);
    expect(final).toEqual({ kind: 'status', status: 'finished' });
  }, 90_000);

  it('a missing image is fatal with the Engine’s message; a removed container is failed after the grace', async () => {
    const submitter = await makeSubmitter({
      image: 'harvester-test/no-such-image:latest',
      executable: EXECUTABLE,
    });
    const worker = await workerWithPayload(root, 'true');
    const [outcome] = await submitter.submitWorkers([worker]);
    expect(outcome).toEqual({
      kind: 'fatal',
      diag: `the Docker Engine refused to create container ${worker.batchName}: No such image: harvester-test/no-such-image:latest (HTTP 404)`,
    });

    const ok = await makeSubmitter({ image: DOCKER_TEST_IMAGE, executable: EXECUTABLE });
    const removed = await workerWithPayload(root, 'sleep 60');
    await ok.submitWorkers([removed]);
    await client.removeContainer(removed.batchID as string, { force: true, volumes: true });
    const monitor = await makeMonitor({ missingGraceSeconds: 0 });
    const [r] = await monitor.checkWorkers([removed]);
    expect(r).toEqual({
      kind: 'status',
      status: 'failed',
      diag: `container ${removed.batchID?.slice(0, 12)} is not known to the Docker Engine (missed for 0 s)`,
    });
  }, 60_000);
});
