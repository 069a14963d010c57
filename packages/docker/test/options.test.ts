// Option validation: what a queue configuration may say, with the errors it gets otherwise.
import { dockerMonitorOptions, dockerSubmitterOptions, dockerSweeperOptions } from '../src/index.js';

const base = { image: 'harvester-test/busybox:latest', executable: ['sh', '/opt/harvester-worker.sh'] };

function issues(schema: typeof dockerSubmitterOptions | typeof dockerMonitorOptions, value: unknown) {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('submitter options', () => {
  it('has defaults for everything but image and executable', () => {
    expect(dockerSubmitterOptions.parse(base)).toEqual({
      ...base,
      requestTimeoutSeconds: 30,
      mountExecutable: true,
      executableMountDir: '/harvester',
      env: {},
      mounts: [],
      allowDangerousMounts: false,
      cpuLimit: 'nanoCpus',
      cpuFactor: 1,
      memoryLimit: true,
      memoryFactor: 1,
      init: false,
      labels: {},
      submitConcurrency: 8,
    });
  });

  it('requires image and executable, saying what they are', () => {
    expect(issues(dockerSubmitterOptions, {})).toEqual([
      'image: required: the image the workers run in',
      'executable: required: the argv that runs the worker wrapper, e.g. ["sh", "<path>"]',
    ]);
  });

  it('keeps unknown keys of the common section', () => {
    expect(dockerSubmitterOptions.parse({ ...base, nQueueLimitWorker: 3 })).toMatchObject({
      nQueueLimitWorker: 3,
    });
  });

  it.each([
    [{ image: '-rm' }, 'image: an image reference'],
    [{ image: 'busy box' }, 'image: an image reference'],
    [{ mounts: [{ source: 'relative/dir' }] }, 'mounts.0.source: must be an absolute path'],
    [{ mounts: [{ source: '/data/../etc' }] }, 'mounts.0.source: must be normalised'],
    [{ mounts: [{ source: '/' }] }, 'mounts.0.source: mounting / hands the whole host'],
    [
      { mounts: [{ source: '/var/run/docker.sock' }] },
      'mounts.0.source: mounting /var/run/docker.sock exposes the Docker socket',
    ],
    [{ mounts: [{ source: '/run' }] }, 'mounts.0.source: mounting /run exposes the Docker socket'],
    [{ mounts: [{ source: '/data', target: '/' }] }, 'mounts.0.target: must not be /'],
    [{ mounts: [{ source: '/data', mode: 'rw' }] }, 'mounts.0: Unrecognized key: "mode"'],
    [{ env: { HARVESTER_WORKER_ID: '1' } }, 'env.HARVESTER_WORKER_ID: is set by the submitter'],
    [{ env: { 'BAD NAME': '1' } }, 'env.BAD NAME: is not an environment variable name'],
    [
      { labels: { 'org.harvester-ts.worker-id': '1' } },
      'labels.org.harvester-ts.worker-id: the org.harvester-ts.* labels are the plugin',
    ],
    [{ user: 'root;rm' }, 'user: uid[:gid] or a user name'],
    [{ networkMode: 'host --privileged' }, 'networkMode: a network mode'],
    [{ cpuLimit: 'shares' }, 'cpuLimit: Invalid option'],
    [{ memoryFactor: 0 }, 'memoryFactor: Too small'],
    [{ submitConcurrency: 0 }, 'submitConcurrency: Too small'],
    [{ executable: [] }, 'executable: must name at least the program'],
    [{ accessPointInContainer: '/' }, 'accessPointInContainer: must not be /'],
    [{ socketPath: '/s.sock', host: 'h' }, 'host: give either socketPath or host, not both'],
    [{ port: 2376 }, 'port: needs host'],
    [{ host: 'h', tlsCertFile: '/c.pem' }, 'tlsKeyFile: tlsCertFile and tlsKeyFile go together'],
    [{ host: 'h', protocol: 'http', tlsCaFile: '/ca.pem' }, 'protocol: TLS files need protocol https'],
    [{ engineClient: 'fake' }, 'engineClient: must be an EngineClient object'],
  ])('refuses %j', (extra, expected) => {
    const found = issues(dockerSubmitterOptions, { ...base, ...extra });
    expect(found.some((m) => m.startsWith(expected))).toBe(true);
  });

  it('allows dangerous mounts only when told to', () => {
    expect(
      dockerSubmitterOptions.parse({ ...base, mounts: [{ source: '/var/run' }], allowDangerousMounts: true })
        .mounts,
    ).toEqual([{ source: '/var/run', readOnly: true }]);
  });

  it('takes a full configuration', () => {
    const o = dockerSubmitterOptions.parse({
      ...base,
      host: 'engine.example',
      tlsCaFile: '/etc/docker/ca.pem',
      tlsCertFile: '/etc/docker/cert.pem',
      tlsKeyFile: '/etc/docker/key.pem',
      accessPointInContainer: '/work',
      env: { ATLAS_LOCAL_ROOT_BASE: '/cvmfs/atlas.cern.ch/repo/ATLASLocalRootBase' },
      user: '1000:1000',
      networkMode: 'container:proxy',
      mounts: [{ source: '/cvmfs' }, { source: '/scratch/out', target: '/out', readOnly: false }],
      cpuLimit: 'cpuQuota',
      memoryFactor: 1.2,
      labels: { 'site.name': 'X' },
    });
    expect(o.mounts).toEqual([
      { source: '/cvmfs', readOnly: true },
      { source: '/scratch/out', target: '/out', readOnly: false },
    ]);
  });
});

describe('monitor and sweeper options', () => {
  it('have defaults', () => {
    expect(dockerMonitorOptions.parse({})).toEqual({
      requestTimeoutSeconds: 30,
      missingGraceSeconds: 300,
      inspectConcurrency: 8,
      saveLogs: true,
      logTailLines: 50_000,
    });
    expect(dockerSweeperOptions.parse({})).toEqual({
      requestTimeoutSeconds: 30,
      killGraceSeconds: 30,
      killConcurrency: 32,
      removeContainer: true,
    });
  });

  it('check the connection the same way', () => {
    expect(issues(dockerMonitorOptions, { socketPath: 'docker.sock' })).toEqual([
      'socketPath: must be an absolute path',
    ]);
    expect(dockerSweeperOptions.safeParse({ killGraceSeconds: -1 }).success).toBe(false);
  });
});
