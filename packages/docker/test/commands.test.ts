// Request builders and answer parsers (no Docker needed).
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildContainerSpec,
  containerNameProblem,
  DOCKER_FILE_NAMES,
  DOCKER_LABELS,
  demuxLogs,
  harvesterFilter,
  isContainerId,
  isWorkersContainer,
  mountSourceProblem,
  nameFilter,
  parseContainerDetails,
  parseContainerList,
  planExecutable,
  readExitFile,
  readKillRecord,
  readWorkerRecord,
  resolveSubmitterSettings,
  resourceLimits,
  type SpecSettings,
} from '../src/index.js';
import { dockerSubmitterOptions } from '../src/options.js';
import { logFrame, makeRoot } from './helpers.js';

const settings: SpecSettings = {
  harvesterId: 'hid',
  queueName: 'Q1',
  image: 'harvester-test/busybox:latest',
  argv: ['sh', '/harvester/harvester-worker.sh'],
  executableMounts: [
    {
      Type: 'bind',
      Source: '/opt/engine/worker/harvester-worker.sh',
      Target: '/harvester/harvester-worker.sh',
      ReadOnly: true,
    },
  ],
  env: { SITE: 'X' },
  user: '1000:1000',
  mounts: [
    { source: '/cvmfs', readOnly: true },
    { source: '/data/in', target: '/in', readOnly: false },
  ],
  cpuLimit: 'nanoCpus',
  cpuFactor: 1,
  memoryLimit: true,
  memoryFactor: 1,
  init: false,
  labels: { site: 'X' },
};

const worker = { workerID: 7, batchName: 'hid-7', nCore: 2, minRamCount: 2000, accessPoint: '/var/ap/w7' };

describe('buildContainerSpec', () => {
  it('names, labels and runs the wrapper on the mounted access point with the worker’s limits', () => {
    const { name, spec } = buildContainerSpec(worker, settings);
    expect(name).toBe('hid-7');
    expect(spec).toEqual({
      Image: 'harvester-test/busybox:latest',
      Entrypoint: ['sh'],
      Cmd: ['/harvester/harvester-worker.sh', '/var/ap/w7'],
      Env: [
        'SITE=X',
        'HARVESTER_ID=hid',
        'HARVESTER_WORKER_ID=7',
        'HARVESTER_BATCH_NAME=hid-7',
        'HARVESTER_ACCESS_POINT=/var/ap/w7',
        'HARVESTER_NCORE=2',
        'HARVESTER_RAM_MB=2000',
      ],
      Labels: {
        site: 'X',
        [DOCKER_LABELS.harvesterId]: 'hid',
        [DOCKER_LABELS.workerId]: '7',
        [DOCKER_LABELS.queue]: 'Q1',
        [DOCKER_LABELS.batchName]: 'hid-7',
        [DOCKER_LABELS.accessPoint]: '/var/ap/w7',
      },
      WorkingDir: '/var/ap/w7',
      User: '1000:1000',
      Tty: false,
      OpenStdin: false,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      HostConfig: {
        AutoRemove: false,
        RestartPolicy: { Name: 'no' },
        Init: false,
        Mounts: [
          { Type: 'bind', Source: '/var/ap/w7', Target: '/var/ap/w7', ReadOnly: false },
          {
            Type: 'bind',
            Source: '/opt/engine/worker/harvester-worker.sh',
            Target: '/harvester/harvester-worker.sh',
            ReadOnly: true,
          },
          { Type: 'bind', Source: '/cvmfs', Target: '/cvmfs', ReadOnly: true },
          { Type: 'bind', Source: '/data/in', Target: '/in', ReadOnly: false },
        ],
        NanoCpus: 2_000_000_000,
        Memory: 2000 * 1024 * 1024,
        MemorySwap: 2000 * 1024 * 1024,
      },
    });
  });

  it('mounts the access point at a configured container path, and sets the network and init', () => {
    const { spec } = buildContainerSpec(worker, {
      ...settings,
      accessPointInContainer: '/work',
      networkMode: 'none',
      init: true,
    });
    expect(spec.Cmd).toEqual(['/harvester/harvester-worker.sh', '/work']);
    expect(spec.WorkingDir).toBe('/work');
    expect(spec.Env).toContain('HARVESTER_ACCESS_POINT=/work');
    expect(spec.HostConfig.Mounts[0]).toEqual({
      Type: 'bind',
      Source: '/var/ap/w7',
      Target: '/work',
      ReadOnly: false,
    });
    expect(spec.HostConfig).toMatchObject({ NetworkMode: 'none', Init: true });
    // The access point on the host stays in the labels (the sweeper and adoption use the host path).
    expect(spec.Labels[DOCKER_LABELS.accessPoint]).toBe('/var/ap/w7');
  });

  it('the plugin’s own variables win over env', () => {
    const { spec } = buildContainerSpec(worker, { ...settings, env: { HARVESTER_ID: 'fake', A: '1' } });
    expect(spec.Env.filter((e) => e.startsWith('HARVESTER_ID='))).toEqual(['HARVESTER_ID=hid']);
  });
});

describe('resourceLimits', () => {
  const base = { cpuLimit: 'nanoCpus', cpuFactor: 1, memoryLimit: true, memoryFactor: 1 } as const;
  it.each([
    ['nanoCpus from nCore', { nCore: 4, minRamCount: null }, base, { NanoCpus: 4e9 }],
    ['one core when nCore is unset', { nCore: null, minRamCount: null }, base, { NanoCpus: 1e9 }],
    [
      'a CFS quota instead',
      { nCore: 2, minRamCount: null },
      { ...base, cpuLimit: 'cpuQuota' },
      { CpuPeriod: 100_000, CpuQuota: 200_000 },
    ],
    ['no CPU limit', { nCore: 8, minRamCount: null }, { ...base, cpuLimit: 'none' }, {}],
    ['scaled CPU', { nCore: 3, minRamCount: null }, { ...base, cpuFactor: 0.5 }, { NanoCpus: 1.5e9 }],
    [
      'memory from minRamCount (MB), no swap on top',
      { nCore: 1, minRamCount: 512 },
      { ...base, cpuLimit: 'none' },
      { Memory: 512 * 1024 * 1024, MemorySwap: 512 * 1024 * 1024 },
    ],
    [
      'scaled memory',
      { nCore: 1, minRamCount: 1000 },
      { ...base, cpuLimit: 'none', memoryFactor: 1.5 },
      { Memory: 1500 * 1024 * 1024, MemorySwap: 1500 * 1024 * 1024 },
    ],
    [
      'no memory limit',
      { nCore: 1, minRamCount: 1000 },
      { ...base, cpuLimit: 'none', memoryLimit: false },
      {},
    ],
    ['no memory limit without minRamCount', { nCore: 1, minRamCount: 0 }, { ...base, cpuLimit: 'none' }, {}],
  ] as const)('%s', (_name, w, s, expected) => {
    expect(resourceLimits(w, s)).toEqual(expected);
  });
});

describe('planExecutable', () => {
  const files = new Set(['/opt/engine/worker/harvester-worker.sh', '/etc/site/setup.sh', '/other/setup.sh']);
  const isFile = (p: string) => files.has(p);

  it('mounts host files after the program and names them in the container', () => {
    expect(
      planExecutable(
        ['sh', '/opt/engine/worker/harvester-worker.sh'],
        { mount: true, mountDir: '/harvester' },
        isFile,
      ),
    ).toEqual({
      argv: ['sh', '/harvester/harvester-worker.sh'],
      mounts: [
        {
          Type: 'bind',
          Source: '/opt/engine/worker/harvester-worker.sh',
          Target: '/harvester/harvester-worker.sh',
          ReadOnly: true,
        },
      ],
    });
  });

  it('leaves the program, options and paths that are no host files alone', () => {
    expect(
      planExecutable(
        ['/bin/sh', '-e', '/opt/in-image/run.sh', '/etc/site/setup.sh'],
        { mount: true, mountDir: '/h' },
        isFile,
      ),
    ).toEqual({
      argv: ['/bin/sh', '-e', '/opt/in-image/run.sh', '/h/setup.sh'],
      mounts: [{ Type: 'bind', Source: '/etc/site/setup.sh', Target: '/h/setup.sh', ReadOnly: true }],
    });
  });

  it('mounts nothing when told not to', () => {
    expect(planExecutable(['sh', '/etc/site/setup.sh'], { mount: false, mountDir: '/h' }, isFile)).toEqual({
      argv: ['sh', '/etc/site/setup.sh'],
      mounts: [],
    });
  });

  it('refuses two files that would land on the same name', () => {
    expect(() =>
      planExecutable(
        ['sh', '/etc/site/setup.sh', '/other/setup.sh'],
        { mount: true, mountDir: '/h' },
        isFile,
      ),
    ).toThrow('/etc/site/setup.sh and /other/setup.sh would both be mounted at /h/setup.sh');
  });
});

describe('mountSourceProblem', () => {
  it.each([
    ['/', /whole host/],
    ['/var/run/docker.sock', /Docker socket \/var\/run\/docker\.sock/],
    ['/var/run', /Docker socket/],
    ['/var', /Docker socket/],
    ['/run', /Docker socket \/run\/docker\.sock/],
  ])('refuses %s', (path, problem) => {
    expect(mountSourceProblem(path)).toMatch(problem);
  });

  it.each(['/var/lib/data', '/run/user', '/cvmfs', '/var/runner', '/tmp/ap'])('accepts %s', (path) => {
    expect(mountSourceProblem(path)).toBeUndefined();
  });

  it('knows a configured socket', () => {
    expect(mountSourceProblem('/srv/docker', '/srv/docker/engine.sock')).toMatch(/engine\.sock/);
    expect(mountSourceProblem('/srv/docker')).toBeUndefined();
  });
});

describe('resolveSubmitterSettings', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeRoot();
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('refuses a mount whose real path holds the Docker socket (a symlink to /var/run)', async () => {
    const link = join(root, 'innocent');
    await symlink('/var/run', link);
    const options = dockerSubmitterOptions.parse({
      image: 'img',
      executable: ['sh', '/x.sh'],
      mounts: [{ source: link }],
    });
    expect(() => resolveSubmitterSettings(options, { harvesterId: 'h', queueName: 'Q' }, undefined)).toThrow(
      /mounts\[0\]\.source: .*innocent is \/(var\/)?run: .*Docker socket/,
    );
    const allowed = dockerSubmitterOptions.parse({
      image: 'img',
      executable: ['sh', '/x.sh'],
      mounts: [{ source: link }],
      allowDangerousMounts: true,
    });
    expect(
      resolveSubmitterSettings(allowed, { harvesterId: 'h', queueName: 'Q' }, undefined).settings.mounts,
    ).toHaveLength(1);
  });

  it('mounts the real wrapper file and defaults the user to the harvester’s uid:gid', async () => {
    const wrapper = join(root, 'harvester-worker.sh');
    await writeFile(wrapper, '#!/bin/sh\n');
    const options = dockerSubmitterOptions.parse({ image: 'img', executable: ['sh', wrapper] });
    const { settings: s } = resolveSubmitterSettings(
      options,
      { harvesterId: 'h', queueName: 'Q' },
      undefined,
    );
    expect(s.argv).toEqual(['sh', '/harvester/harvester-worker.sh']);
    expect(s.executableMounts).toEqual([
      { Type: 'bind', Source: wrapper, Target: '/harvester/harvester-worker.sh', ReadOnly: true },
    ]);
    expect(s.user).toBe(`${process.getuid?.()}:${process.getgid?.()}`);
    const imageUser = dockerSubmitterOptions.parse({ image: 'img', executable: ['sh', wrapper], user: '' });
    expect(
      resolveSubmitterSettings(imageUser, { harvesterId: 'h', queueName: 'Q' }, undefined).settings.user,
    ).toBe('');
  });
});

describe('names and filters', () => {
  it.each(['hid-1', 'harvester.cern-12', 'a_b-3'])('%s is a container name', (name) => {
    expect(containerNameProblem(name)).toBeUndefined();
  });
  it.each(['-x-1', 'h id-1', 'h/1', 'h:1', 'x'])('%s is not', (name) => {
    expect(containerNameProblem(name)).toMatch(/cannot be a container name/);
  });

  it('lists by the harvester id label', () => {
    expect(harvesterFilter('my-hid')).toEqual({ label: ['org.harvester-ts.harvester-id=my-hid'] });
  });

  it('matches names exactly although Docker reads them as regular expressions', () => {
    const { name } = nameFilter(['h.a-1', 'h.a-12']);
    const matches = (n: string) => (name ?? []).some((re) => new RegExp(re).test(n));
    expect(matches('/h.a-1')).toBe(true);
    expect(matches('h.a-12')).toBe(true);
    expect(matches('/h.a-123')).toBe(false);
    expect(matches('/hXa-1')).toBe(false);
    expect(matches('/xh.a-1')).toBe(false);
  });

  it('container ids are 64 hex digits', () => {
    expect(isContainerId('a'.repeat(64))).toBe(true);
    expect(isContainerId('A'.repeat(64))).toBe(false);
    expect(isContainerId('a'.repeat(12))).toBe(false);
    expect(isContainerId(null)).toBe(false);
  });
});

describe('parsing answers', () => {
  it('reads a list, counting what is no container', () => {
    const id = 'b'.repeat(64);
    expect(
      parseContainerList([
        { Id: id, Names: ['/h-1'], State: 'running', Status: 'Up 2 seconds', Labels: { a: 'b', n: 3 } },
        { Names: ['/x'] },
        null,
      ]),
    ).toEqual({
      containers: [{ id, names: ['h-1'], state: 'running', status: 'Up 2 seconds', labels: { a: 'b' } }],
      garbage: 2,
    });
    expect(() => parseContainerList({ message: 'oops' })).toThrow(/not a list/);
  });

  it('reads an inspection: zero times are none, OOMKilled, Error and the memory limit', () => {
    const d = parseContainerDetails({
      Id: 'c'.repeat(64),
      Name: '/h-2',
      Config: { Image: 'img', Labels: { [DOCKER_LABELS.workerId]: '2' } },
      HostConfig: { Memory: 33554432 },
      State: {
        Status: 'exited',
        Running: false,
        Paused: false,
        Restarting: false,
        OOMKilled: true,
        Dead: false,
        ExitCode: 137,
        Error: '',
        StartedAt: '2026-01-01T10:00:00.5Z',
        FinishedAt: '0001-01-01T00:00:00Z',
      },
    });
    expect(d).toEqual({
      id: 'c'.repeat(64),
      name: 'h-2',
      image: 'img',
      labels: { [DOCKER_LABELS.workerId]: '2' },
      memoryLimit: 33554432,
      state: {
        status: 'exited',
        running: false,
        paused: false,
        restarting: false,
        oomKilled: true,
        dead: false,
        exitCode: 137,
        error: '',
        startedAt: new Date('2026-01-01T10:00:00.5Z'),
        finishedAt: undefined,
      },
    });
    expect(() => parseContainerDetails({ Id: 'x' })).toThrow(/no container/);
    expect(() => parseContainerDetails(Buffer.from('garbage'))).toThrow(/no container/);
  });

  it('takes a container as a worker’s only with all three labels', () => {
    const labels = {
      [DOCKER_LABELS.harvesterId]: 'h',
      [DOCKER_LABELS.workerId]: '5',
      [DOCKER_LABELS.batchName]: 'h-5',
    };
    const w = { harvesterId: 'h', workerID: 5, batchName: 'h-5' };
    expect(isWorkersContainer(labels, w)).toBe(true);
    expect(isWorkersContainer({ ...labels, [DOCKER_LABELS.harvesterId]: 'other' }, w)).toBe(false);
    expect(isWorkersContainer({ ...labels, [DOCKER_LABELS.workerId]: '6' }, w)).toBe(false);
    expect(isWorkersContainer({}, w)).toBe(false);
  });
});

describe('demuxLogs', () => {
  it('splits frames into stdout and stderr', () => {
    const raw = Buffer.concat([logFrame(1, 'out 1\n'), logFrame(2, 'err 1\n'), logFrame(1, 'out 2\n')]);
    const { stdout, stderr } = demuxLogs(raw);
    expect(stdout.toString()).toBe('out 1\nout 2\n');
    expect(stderr.toString()).toBe('err 1\n');
  });

  it('keeps a cut last frame', () => {
    const raw = Buffer.concat([logFrame(2, 'whole\n'), logFrame(1, 'cut short').subarray(0, 12)]);
    const { stdout, stderr } = demuxLogs(raw);
    expect(stderr.toString()).toBe('whole\n');
    expect(stdout.toString()).toBe('cut ');
  });

  it('takes unframed bytes (a TTY container) as stdout', () => {
    expect(demuxLogs(Buffer.from('plain text output\n'))).toEqual({
      stdout: Buffer.from('plain text output\n'),
      stderr: Buffer.alloc(0),
    });
    expect(demuxLogs(Buffer.from('hi'))).toEqual({ stdout: Buffer.from('hi'), stderr: Buffer.alloc(0) });
    expect(demuxLogs(Buffer.alloc(0))).toEqual({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) });
  });
});

describe('access-point files', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeRoot();
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads records, absent ones as undefined, malformed ones as errors', async () => {
    const ap = join(root, 'rec');
    await mkdir(ap);
    expect(await readWorkerRecord(ap)).toBeUndefined();
    await writeFile(join(ap, DOCKER_FILE_NAMES.record), '{nope');
    await expect(readWorkerRecord(ap)).rejects.toThrow(/not JSON/);
    await writeFile(join(ap, DOCKER_FILE_NAMES.record), JSON.stringify({ batchName: 'h-1' }));
    await expect(readWorkerRecord(ap)).rejects.toThrow(/malformed/);
    const good = {
      batchName: 'h-1',
      workerID: 1,
      harvesterId: 'h',
      image: 'i',
      containerName: 'h-1',
      writtenAt: 'x',
    };
    await writeFile(join(ap, DOCKER_FILE_NAMES.record), JSON.stringify({ ...good, containerId: 'short' }));
    await expect(readWorkerRecord(ap)).rejects.toThrow(/malformed/);
    await writeFile(
      join(ap, DOCKER_FILE_NAMES.record),
      JSON.stringify({ ...good, containerId: 'e'.repeat(64) }),
    );
    expect(await readWorkerRecord(ap)).toEqual({ ...good, containerId: 'e'.repeat(64) });
  });

  it('reads the exit file and the kill record', async () => {
    const ap = join(root, 'exit');
    await mkdir(ap);
    expect(await readExitFile(ap)).toEqual({ kind: 'absent' });
    await writeFile(join(ap, DOCKER_FILE_NAMES.exitCode), '3\n');
    expect(await readExitFile(ap)).toEqual({ kind: 'code', code: 3 });
    await writeFile(join(ap, DOCKER_FILE_NAMES.exitCode), 'x\n');
    expect(await readExitFile(ap)).toEqual({ kind: 'malformed' });
    expect(await readKillRecord(ap)).toBeUndefined();
    await writeFile(join(ap, DOCKER_FILE_NAMES.kill), 'garbage');
    expect(await readKillRecord(ap)).toBeUndefined();
    await writeFile(
      join(ap, DOCKER_FILE_NAMES.kill),
      JSON.stringify({ batchID: 'b', requestedAt: 't', graceSeconds: 3 }),
    );
    expect(await readKillRecord(ap)).toEqual({ batchID: 'b', requestedAt: 't', graceSeconds: 3 });
    expect(await readFile(join(ap, DOCKER_FILE_NAMES.kill), 'utf8')).toContain('"b"');
  });
});
