// The plugins' decisions against an in-memory Engine (FakeEngine): lost answers, refusals, names
// taken by others, an Engine that is down — what a real dockerd cannot be made to show on demand.
// The same behaviour against the real Engine is in docker.test.ts.
import { existsSync } from 'node:fs';
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { WorkSpec } from '@harvester-ts/core';
import {
  DOCKER_FILE_NAMES,
  DOCKER_LABELS,
  type DockerMonitorInstance,
  EngineApiError,
  type EngineClient,
  readWorkerRecord,
} from '../src/index.js';
import {
  bareWorker,
  FakeEngine,
  HID,
  makeMonitor,
  makeRoot,
  makeSubmitter,
  makeSweeper,
  statusOf,
} from './helpers.js';

let root: string;
beforeAll(async () => {
  root = await makeRoot();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const submitterOptions = (engine: EngineClient, extra: Record<string, unknown> = {}) => ({
  image: 'harvester-test/busybox:latest',
  executable: ['sh', '/opt/harvester-worker.sh'],
  engineClient: engine,
  ...extra,
});

const labelsOf = (w: WorkSpec) => ({
  [DOCKER_LABELS.harvesterId]: HID,
  [DOCKER_LABELS.workerId]: String(w.workerID),
  [DOCKER_LABELS.batchName]: w.batchName,
});

const refused = (op: string, status: number, message: string) =>
  new EngineApiError(
    op,
    status >= 500 ? 'server' : status === 404 ? 'notFound' : 'client',
    `${message} (HTTP ${status})`,
    status,
  );

describe('DockerSubmitter', () => {
  it('creates and starts one container per worker, at most submitConcurrency at once', async () => {
    const engine = new FakeEngine();
    let inFlight = 0;
    let most = 0;
    const create = engine.createContainer.bind(engine);
    engine.createContainer = async (name, spec, o) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return create(name, spec, o);
    };
    const submitter = await makeSubmitter(submitterOptions(engine, { submitConcurrency: 3 }));
    const workers = await Promise.all(
      Array.from({ length: 10 }, () => bareWorker(root, { status: 'pending' })),
    );
    const outcomes = await submitter.submitWorkers(workers);
    expect(outcomes).toEqual(workers.map(() => ({ kind: 'success', value: undefined })));
    expect(most).toBe(3);
    expect(engine.count('createContainer')).toBe(10);
    expect(engine.count('startContainer')).toBe(10);
    for (const w of workers) {
      const c = engine.containers.get(w.batchID as string);
      expect(c).toMatchObject({ name: w.batchName, state: { Status: 'running' } });
      expect(c?.labels).toMatchObject({ ...labelsOf(w), [DOCKER_LABELS.queue]: 'TEST_QUEUE' });
      expect(w).toMatchObject({ submissionHost: hostname(), nodeID: hostname() });
      expect(await readWorkerRecord(w.accessPoint as string)).toMatchObject({
        batchName: w.batchName,
        workerID: w.workerID,
        harvesterId: HID,
        queueName: 'TEST_QUEUE',
        image: 'harvester-test/busybox:latest',
        containerName: w.batchName,
        containerId: w.batchID,
      });
    }
  });

  it('adopts the container a crash left under the worker’s name: no second one, started if need be', async () => {
    const engine = new FakeEngine();
    const worker = await bareWorker(root, { status: 'pending' });
    const left = engine.add(worker.batchName, labelsOf(worker), 'created');
    const submitter = await makeSubmitter(submitterOptions(engine));
    const [outcome] = await submitter.submitWorkers([worker]);
    expect(outcome).toEqual({
      kind: 'success',
      value: undefined,
      diag: `adopted the existing container ${worker.batchName}`,
    });
    expect(worker.batchID).toBe(left.id);
    expect(engine.containers.size).toBe(1);
    expect(left.state.Status).toBe('running');
    expect((await readWorkerRecord(worker.accessPoint as string))?.containerId).toBe(left.id);

    // Adopting one that already runs does not start it again.
    const again = await bareWorker(root, { status: 'pending' });
    const running = engine.add(again.batchName, labelsOf(again), 'running');
    engine.requests.length = 0;
    expect((await submitter.submitWorkers([again]))[0]).toMatchObject({ kind: 'success' });
    expect(again.batchID).toBe(running.id);
    expect(engine.count('startContainer')).toBe(0);
  });

  it('never takes a container of another worker or harvester under the same name', async () => {
    const engine = new FakeEngine();
    const worker = await bareWorker(root, { status: 'pending' });
    const other = engine.add(
      worker.batchName,
      { ...labelsOf(worker), [DOCKER_LABELS.harvesterId]: 'someone-else' },
      'running',
    );
    const submitter = await makeSubmitter(submitterOptions(engine));
    const [outcome] = await submitter.submitWorkers([worker]);
    expect(outcome).toEqual({
      kind: 'fatal',
      diag: `a container named ${worker.batchName} exists (${other.id.slice(0, 12)}) and is not this worker's: its labels do not name harvester ${HID}, worker ${worker.workerID}`,
    });
    expect(worker.batchID).toBeNull();
    expect(engine.containers.size).toBe(1);
    expect(engine.count('startContainer')).toBe(0);
  });

  it('a refused create (bad image, bad option) is fatal with the Engine’s message', async () => {
    const engine = new FakeEngine();
    engine.failures.createContainer = [
      refused('create container', 404, 'No such image: nope:latest'),
      refused('create container', 400, 'Minimum memory limit allowed is 6MB'),
    ];
    const submitter = await makeSubmitter(submitterOptions(engine, { submitConcurrency: 1 }));
    const workers = [
      await bareWorker(root, { status: 'pending' }),
      await bareWorker(root, { status: 'pending' }),
    ];
    const outcomes = await submitter.submitWorkers(workers);
    expect(outcomes).toEqual([
      {
        kind: 'fatal',
        diag: `the Docker Engine refused to create container ${workers[0]?.batchName}: No such image: nope:latest (HTTP 404)`,
      },
      {
        kind: 'fatal',
        diag: `the Docker Engine refused to create container ${workers[1]?.batchName}: Minimum memory limit allowed is 6MB (HTTP 400)`,
      },
    ]);
    expect(engine.count('startContainer')).toBe(0);
  });

  it('an Engine that is down is a retry for every worker, never a fatal', async () => {
    const engine = new FakeEngine();
    engine.down = true;
    const submitter = await makeSubmitter(submitterOptions(engine));
    const workers = [
      await bareWorker(root, { status: 'pending' }),
      await bareWorker(root, { status: 'pending' }),
    ];
    const outcomes = await submitter.submitWorkers(workers);
    for (const o of outcomes) {
      expect(o).toMatchObject({
        kind: 'retry',
        diag: expect.stringContaining('cannot be reached: connect ECONNREFUSED'),
      });
    }
    expect(workers.every((w) => w.batchID === null)).toBe(true);
  });

  it('a create whose answer is lost finds the container by its name and starts it', async () => {
    const engine = new FakeEngine();
    engine.loseCreateAnswer = true;
    const submitter = await makeSubmitter(submitterOptions(engine));
    const worker = await bareWorker(root, { status: 'pending' });
    const [outcome] = await submitter.submitWorkers([worker]);
    expect(outcome).toEqual({
      kind: 'success',
      value: undefined,
      diag: `create container ${worker.batchName}: socket hang up; found it by its name`,
    });
    expect(engine.containers.size).toBe(1);
    expect(engine.containers.get(worker.batchID as string)?.state.Status).toBe('running');
  });

  it('a container that cannot start is removed; State.Error makes it fatal', async () => {
    const engine = new FakeEngine();
    // What dockerd does for an executable the image lacks: 400, and the reason in State.Error.
    engine.onStart = (c) => {
      c.state.ExitCode = 127;
      c.state.Error = 'exec: "sh": executable file not found in $PATH: unknown';
      throw refused('start container', 400, `OCI runtime create failed: ${c.state.Error}`);
    };
    const submitter = await makeSubmitter(submitterOptions(engine));
    const worker = await bareWorker(root, { status: 'pending' });
    const [outcome] = await submitter.submitWorkers([worker]);
    expect(outcome).toEqual({
      kind: 'fatal',
      diag: `container ${worker.batchName} could not start: exec: "sh": executable file not found in $PATH: unknown`,
    });
    expect(engine.containers.size).toBe(0);
    expect(engine.count('removeContainer')).toBe(1);
  });

  it('a start whose answer is lost but that happened is a success; one that did not, a retry', async () => {
    const engine = new FakeEngine();
    const submitter = await makeSubmitter(submitterOptions(engine));
    const lost = await bareWorker(root, { status: 'pending' });
    const start = engine.startContainer.bind(engine);
    engine.startContainer = async (ref, o) => {
      await start(ref, o);
      throw new EngineApiError(`start container ${ref}`, 'timeout', 'did not answer within 30 s');
    };
    expect((await submitter.submitWorkers([lost]))[0]).toMatchObject({ kind: 'success' });
    expect(engine.containers.get(lost.batchID as string)?.state.Status).toBe('running');

    engine.startContainer = async (ref) => {
      throw new EngineApiError(`start container ${ref}`, 'server', 'containerd is busy (HTTP 500)', 500);
    };
    const notStarted = await bareWorker(root, { status: 'pending' });
    const [outcome] = await submitter.submitWorkers([notStarted]);
    expect(outcome).toMatchObject({ kind: 'retry', diag: expect.stringContaining('containerd is busy') });
    expect([...engine.containers.values()].some((c) => c.name === notStarted.batchName)).toBe(false);
  });

  it('refuses workers it cannot run: no access point, an access point holding the Docker socket, a bad name', async () => {
    const engine = new FakeEngine();
    const submitter = await makeSubmitter(submitterOptions(engine));
    const noAp = await bareWorker(root, { status: 'pending' });
    noAp.accessPoint = null;
    const withSocket = await bareWorker(root, { status: 'pending' });
    withSocket.accessPoint = '/var/run';
    const badName = await bareWorker(root, { status: 'pending' });
    badName.harvesterID = 'bad id';
    const outcomes = await submitter.submitWorkers([noAp, withSocket, badName]);
    expect(outcomes[0]).toEqual({ kind: 'fatal', diag: `worker ${noAp.workerID} has no access point` });
    expect(outcomes[1]).toMatchObject({
      kind: 'fatal',
      diag: expect.stringContaining('exposes the Docker socket'),
    });
    expect(outcomes[2]).toMatchObject({
      kind: 'fatal',
      diag: expect.stringContaining('cannot be a container name'),
    });
    expect(engine.count('createContainer')).toBe(0);
  });
});

describe('DockerMonitor', () => {
  async function running(engine: FakeEngine, n: number): Promise<WorkSpec[]> {
    const workers: WorkSpec[] = [];
    for (let i = 0; i < n; i++) {
      const w = await bareWorker(root);
      const c = engine.add(w.batchName, labelsOf(w), 'running');
      w.batchID = c.id;
      workers.push(w);
    }
    return workers;
  }

  it('lists once per cycle and inspects only the containers whose state changed', async () => {
    const engine = new FakeEngine();
    const workers = await running(engine, 5);
    // Someone else's containers are not listed (the filter is this harvester's label).
    engine.add('other-1', { [DOCKER_LABELS.harvesterId]: 'other' }, 'running');
    const monitor = await makeMonitor({ engineClient: engine });

    const first = await monitor.checkWorkers(workers);
    expect(first.map(statusOf)).toEqual(Array(5).fill('running'));
    expect(engine.count('listContainers')).toBe(1);
    expect(engine.count('inspectContainer')).toBe(5);

    engine.requests.length = 0;
    expect((await monitor.checkWorkers(workers)).map(statusOf)).toEqual(Array(5).fill('running'));
    expect(engine.count('listContainers')).toBe(1);
    expect(engine.count('inspectContainer')).toBe(0);

    const ended = engine.containers.get(workers[2]?.batchID as string)!;
    engine.exit(ended, 0, { stdout: 'hello\n', stderr: 'harvester-worker: job 1: exit code 0\n' });
    engine.requests.length = 0;
    const third = await monitor.checkWorkers(workers);
    expect(third.map(statusOf)).toEqual(['running', 'running', 'finished', 'running', 'running']);
    expect(engine.requests).toEqual([
      { op: 'listContainers' },
      { op: 'inspectContainer', ref: ended.id },
      { op: 'containerLogs', ref: ended.id },
    ]);
    const w = workers[2] as WorkSpec;
    expect(w).toMatchObject({ nativeStatus: 'exited', nativeExitCode: 0 });
    expect(w.endTime).toEqual(new Date(ended.state.FinishedAt));
    const ap = w.accessPoint as string;
    expect(await readFile(join(ap, DOCKER_FILE_NAMES.stdout), 'utf8')).toBe('hello\n');
    expect(await readFile(join(ap, DOCKER_FILE_NAMES.stderr), 'utf8')).toBe(
      'harvester-worker: job 1: exit code 0\n',
    );
    expect(w.getLogFile('stdout')).toBe(join(ap, DOCKER_FILE_NAMES.stdout));
    expect(w.getLogFile('stderr')).toBe(join(ap, DOCKER_FILE_NAMES.stderr));
    expect(w.logFilesToUpload).toEqual({
      [join(ap, DOCKER_FILE_NAMES.stdout)]: 0,
      [join(ap, DOCKER_FILE_NAMES.stderr)]: 0,
    });

    // What the Engine no longer has is forgotten.
    expect((monitor as DockerMonitorInstance).trackedContainers).toBe(5);
    engine.containers.delete(ended.id);
    await monitor.checkWorkers(workers.filter((x) => x !== w));
    expect((monitor as DockerMonitorInstance).trackedContainers).toBe(4);

    // A restarted harvester (a new instance) inspects each container once, then only changes.
    const restarted = await makeMonitor({ engineClient: engine });
    const alive = workers.filter((x) => x !== w);
    engine.requests.length = 0;
    await restarted.checkWorkers(alive);
    expect(engine.count('inspectContainer')).toBe(4);
    engine.requests.length = 0;
    await restarted.checkWorkers(alive);
    expect(engine.count('inspectContainer')).toBe(0);
  });

  it('a container that ends between the list and the inspect is inspected (and its logs read) once', async () => {
    const engine = new FakeEngine();
    const [w] = await running(engine, 1);
    const c = engine.containers.get(w?.batchID as string)!;
    const list = engine.listContainers.bind(engine);
    engine.listContainers = async (filters, o) => {
      const answer = await list(filters, o);
      if (c.state.Status === 'running') engine.exit(c, 0, { stdout: 'done\n' });
      return answer;
    };
    const monitor = await makeMonitor({ engineClient: engine });
    expect(await monitor.checkWorkers([w!])).toEqual([{ kind: 'status', status: 'finished' }]);
    // The list now says exited, which is what was inspected: nothing new to ask.
    expect(await monitor.checkWorkers([w!])).toEqual([{ kind: 'status', status: 'finished' }]);
    expect(engine.count('listContainers')).toBe(2);
    expect(engine.count('inspectContainer')).toBe(1);
    expect(engine.count('containerLogs')).toBe(1);
  });

  it('reports exit codes, OOM kills and the sweeper’s stops', async () => {
    const engine = new FakeEngine();
    const [failed, oom, killed] = await running(engine, 3);
    const c = (w: WorkSpec | undefined) => engine.containers.get(w?.batchID as string)!;
    engine.exit(c(failed), 3);
    engine.exit(c(oom), 137, { oom: true });
    c(oom).memory = 32 * 1024 * 1024;
    engine.exit(c(killed), 143);
    await writeFile(
      join(killed?.accessPoint as string, DOCKER_FILE_NAMES.kill),
      JSON.stringify({ batchID: killed?.batchID, requestedAt: new Date().toISOString(), graceSeconds: 30 }),
    );
    const monitor = await makeMonitor({ engineClient: engine });
    const results = await monitor.checkWorkers([failed!, oom!, killed!]);
    expect(results).toEqual([
      { kind: 'status', status: 'failed', diag: `container ${failed?.batchName} exited with code 3` },
      {
        kind: 'status',
        status: 'failed',
        diag: `container ${oom?.batchName} exited with code 137 (signal 9); OOMKilled: it went over its memory limit of 32 MiB`,
      },
      {
        kind: 'status',
        status: 'cancelled',
        diag: `container ${killed?.batchName} was stopped by the sweeper and exited with code 143 (signal 15)`,
      },
    ]);
    expect(failed).toMatchObject({ nativeStatus: 'exited', nativeExitCode: 3 });
    expect(oom).toMatchObject({ nativeStatus: 'exited (OOMKilled)', nativeExitCode: 137 });
    expect(oom?.diagMessage).toContain('OOMKilled');
    expect(killed).toMatchObject({ nativeStatus: 'exited', nativeExitCode: 143 });
  });

  it('an Engine that cannot be asked is a retry for all, never a final state', async () => {
    const engine = new FakeEngine();
    const workers = await running(engine, 3);
    engine.exit(engine.containers.get(workers[0]?.batchID as string)!, 0);
    const monitor = await makeMonitor({ engineClient: engine, missingGraceSeconds: 0 });
    engine.down = true;
    const bad = await bareWorker(root, { batchID: 'not-an-id' });
    const results = await monitor.checkWorkers([...workers, bad]);
    expect(results.slice(0, 3)).toEqual(
      workers.map(() => ({
        kind: 'retry',
        diag: 'list containers: the Docker Engine at unix:///fake/docker.sock cannot be reached: connect ECONNREFUSED /fake/docker.sock',
      })),
    );
    expect(results[3]).toEqual({
      kind: 'status',
      status: 'failed',
      diag: 'not a Docker container id: "not-an-id" (expected 64 hex digits)',
    });
    engine.down = false;
    expect((await monitor.checkWorkers(workers)).map(statusOf)).toEqual(['finished', 'running', 'running']);
  });

  it('an inspect or a log read that fails is retried (and asked again next cycle)', async () => {
    const engine = new FakeEngine();
    const [w] = await running(engine, 1);
    engine.exit(engine.containers.get(w?.batchID as string)!, 0, { stdout: 'x' });
    const monitor = await makeMonitor({ engineClient: engine });
    engine.failures.inspectContainer = [
      new EngineApiError('inspect container', 'timeout', 'did not answer within 30 s'),
    ];
    expect((await monitor.checkWorkers([w!]))[0]).toEqual({
      kind: 'retry',
      diag: 'inspect container: did not answer within 30 s',
    });
    engine.failures.containerLogs = [new EngineApiError('read the logs', 'unavailable', 'cannot be reached')];
    expect((await monitor.checkWorkers([w!]))[0]).toEqual({
      kind: 'retry',
      diag: 'container ended; read the logs: cannot be reached',
    });
    expect(w?.getLogFile('stdout')).toBeUndefined();
    expect((await monitor.checkWorkers([w!]))[0]).toEqual({ kind: 'status', status: 'finished' });
    expect(w?.getLogFile('stdout')).toBeDefined();
    // Logs the Engine cannot give at all (a logging driver without reading) do not hold the worker.
    const [x] = await running(engine, 1);
    engine.exit(engine.containers.get(x?.batchID as string)!, 0);
    engine.failures.containerLogs = [
      new EngineApiError(
        'read the logs',
        'client',
        'configured logging driver does not support reading (HTTP 400)',
        400,
      ),
    ];
    expect((await monitor.checkWorkers([x!]))[0]).toEqual({ kind: 'status', status: 'finished' });
  });

  it('a container the Engine does not list: retried for missingGraceSeconds, or ended by the wrapper’s exit file', async () => {
    const engine = new FakeEngine();
    const [gone, goneWithExit] = await running(engine, 2);
    for (const w of [gone, goneWithExit]) engine.containers.delete(w?.batchID as string);
    await writeFile(join(goneWithExit?.accessPoint as string, DOCKER_FILE_NAMES.exitCode), '4\n');
    const patient = await makeMonitor({ engineClient: engine, missingGraceSeconds: 3600 });
    const results = await patient.checkWorkers([gone!, goneWithExit!]);
    expect(results[0]).toEqual({
      kind: 'retry',
      diag: `container ${gone?.batchID?.slice(0, 12)} is not known to the Docker Engine (missed for 0 s)`,
    });
    expect(results[1]).toEqual({
      kind: 'status',
      status: 'failed',
      diag: `container ${goneWithExit?.batchID?.slice(0, 12)} is gone; the worker wrapper exited with code 4`,
    });
    expect(goneWithExit).toMatchObject({ nativeStatus: 'missing', nativeExitCode: 4 });
    const impatient = await makeMonitor({ engineClient: engine, missingGraceSeconds: 0 });
    expect((await impatient.checkWorkers([gone!]))[0]).toMatchObject({ kind: 'status', status: 'failed' });
    expect(gone?.nativeStatus).toBe('missing');
  });

  it('finds the containers of pending workers by name with one list, adopting only this worker’s', async () => {
    const engine = new FakeEngine();
    const [mine, created, foreign, absent] = await Promise.all(
      [1, 2, 3, 4].map(() => bareWorker(root, { status: 'pending' })),
    );
    const mineC = engine.add(mine!.batchName, labelsOf(mine!), 'running');
    const createdC = engine.add(created!.batchName, labelsOf(created!), 'created');
    engine.add(foreign!.batchName, { ...labelsOf(foreign!), [DOCKER_LABELS.workerId]: '999999' }, 'running');
    // A name that contains another's must not match it.
    engine.add(`${absent!.batchName}0`, labelsOf(absent!), 'running');
    const monitor = await makeMonitor({ engineClient: engine });
    const found = await monitor.findWorkersByBatchName!([mine!, created!, foreign!, absent!]);
    expect(found).toEqual([
      { kind: 'found', batchID: mineC.id, submissionHost: hostname() },
      { kind: 'found', batchID: createdC.id, submissionHost: hostname() },
      { kind: 'notFound' },
      { kind: 'notFound' },
    ]);
    expect(engine.count('listContainers')).toBe(1);
    expect(createdC.state.Status).toBe('running');

    engine.down = true;
    expect(await monitor.findWorkersByBatchName!([mine!])).toEqual([
      {
        kind: 'retry',
        diag: expect.stringContaining('the Docker Engine at unix:///fake/docker.sock cannot be reached'),
      },
    ]);
  });
});

describe('DockerSweeper', () => {
  it('stops all containers of a call (bounded), writes the kill records, and takes gone as done', async () => {
    const engine = new FakeEngine();
    const workers = await Promise.all([1, 2, 3, 4].map(() => bareWorker(root)));
    const [run1, run2, over, gone] = workers;
    for (const w of [run1, run2, over]) w!.batchID = engine.add(w!.batchName, labelsOf(w!), 'running').id;
    engine.exit(engine.containers.get(over!.batchID as string)!, 0);
    gone!.batchID = 'a'.repeat(64);
    const noId = await bareWorker(root);
    const sweeper = await makeSweeper({ engineClient: engine, killGraceSeconds: 5, killConcurrency: 2 });
    const outcomes = await sweeper.killWorkers([...workers, noId]);
    expect(outcomes).toEqual([
      { kind: 'success', value: undefined, diag: 'stopped the container (SIGTERM, SIGKILL after 5 s)' },
      { kind: 'success', value: undefined, diag: 'stopped the container (SIGTERM, SIGKILL after 5 s)' },
      { kind: 'success', value: undefined, diag: 'the container was not running' },
      { kind: 'success', value: undefined, diag: 'the container is already gone' },
      { kind: 'success', value: undefined, diag: 'no container to stop (batchID null)' },
    ]);
    const record = JSON.parse(
      await readFile(join(run1!.accessPoint as string, DOCKER_FILE_NAMES.kill), 'utf8'),
    );
    expect(record).toMatchObject({ batchID: run1!.batchID, graceSeconds: 5 });
    // Stopped, not removed: the monitor reads how they ended.
    expect(engine.containers.get(run1!.batchID as string)?.state.Status).toBe('exited');

    engine.down = true;
    expect((await sweeper.killWorkers([run2!]))[0]).toMatchObject({ kind: 'retry' });
  });

  it('removes a container that never started (it would never end); the monitor reports the worker cancelled', async () => {
    const engine = new FakeEngine();
    const stuck = await bareWorker(root);
    stuck.batchID = engine.add(stuck.batchName, labelsOf(stuck), 'created').id;
    const sweeper = await makeSweeper({ engineClient: engine });
    expect(await sweeper.killWorkers([stuck])).toEqual([
      { kind: 'success', value: undefined, diag: 'the container had never started: removed it' },
    ]);
    expect(engine.containers.size).toBe(0);
    const monitor = await makeMonitor({ engineClient: engine });
    expect(await monitor.checkWorkers([stuck])).toEqual([
      {
        kind: 'status',
        status: 'cancelled',
        diag: `container ${stuck.batchID?.slice(0, 12)} is gone after the sweeper stopped it`,
      },
    ]);
    expect(stuck.nativeStatus).toBe('missing');
  });

  it('sweeps: removes the container, then the access point only when it is this worker’s', async () => {
    const engine = new FakeEngine();
    const sweeper = await makeSweeper({ engineClient: engine });
    const record = (w: WorkSpec, batchName = w.batchName) =>
      writeFile(
        join(w.accessPoint as string, DOCKER_FILE_NAMES.record),
        JSON.stringify({
          batchName,
          workerID: w.workerID,
          harvesterId: HID,
          image: 'i',
          containerName: batchName,
          writtenAt: 'x',
        }),
      );
    const ok = await bareWorker(root);
    ok.batchID = engine.add(ok.batchName, labelsOf(ok), 'exited').id;
    await record(ok);
    expect(await sweeper.sweepWorker(ok)).toEqual({ kind: 'success', value: undefined });
    expect(engine.containers.size).toBe(0);
    expect(existsSync(ok.accessPoint as string)).toBe(false);

    // Gone already: the access point is still swept.
    const goneContainer = await bareWorker(root, { batchID: 'b'.repeat(64) });
    await record(goneContainer);
    expect(await sweeper.sweepWorker(goneContainer)).toMatchObject({ kind: 'success' });
    expect(existsSync(goneContainer.accessPoint as string)).toBe(false);

    // The Engine down: retried, nothing removed.
    const later = await bareWorker(root);
    later.batchID = engine.add(later.batchName, labelsOf(later), 'exited').id;
    await record(later);
    engine.down = true;
    expect(await sweeper.sweepWorker(later)).toMatchObject({ kind: 'retry' });
    expect(existsSync(later.accessPoint as string)).toBe(true);
    engine.down = false;

    const noRecord = await bareWorker(root);
    expect(await sweeper.sweepWorker(noRecord)).toEqual({
      kind: 'fatal',
      diag: `refusing to remove ${noRecord.accessPoint}: it has no harvester-docker.json, so it is no Docker access point`,
    });
    const another = await bareWorker(root);
    await record(another, 'someone-else-1');
    expect(await sweeper.sweepWorker(another)).toEqual({
      kind: 'fatal',
      diag: `refusing to remove ${another.accessPoint}: it belongs to someone-else-1, not ${another.batchName}`,
    });
    const linked = await bareWorker(root);
    await record(linked);
    const link = join(root, `link-${linked.workerID}`);
    await symlink(linked.accessPoint as string, link);
    linked.accessPoint = link;
    expect(await sweeper.sweepWorker(linked)).toEqual({
      kind: 'fatal',
      diag: `refusing to remove ${link}: not a directory`,
    });
    for (const w of [noRecord, another]) expect(existsSync(w.accessPoint as string)).toBe(true);

    const keep = await makeSweeper({ engineClient: engine, removeContainer: false });
    const kept = await bareWorker(root);
    kept.batchID = engine.add(kept.batchName, labelsOf(kept), 'exited').id;
    await record(kept);
    expect(await keep.sweepWorker(kept)).toMatchObject({ kind: 'success' });
    expect(engine.containers.has(kept.batchID as string)).toBe(true);
  });
});
