// The shared-file messenger against real directories under the OS temp dir.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { lstat, mkdir, readFile, readlink, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  isFatal,
  isRetryLater,
  isSuccess,
  MapType,
  REQUIRED_METHODS,
  type WorkSpec,
} from '@harvester-ts/core';
import {
  MessengerError,
  SharedFileMessenger,
  type SharedFileMessengerInstance,
} from '../src/messenger/index.js';
import { WORKER_WRAPPER_FILE_NAMES } from '../src/worker/wrapper.js';
import {
  type LogRecord,
  makeFile,
  makeJob,
  makeMessenger,
  makeTempDir,
  makeWorker,
  pluginContext,
  recordingLogger,
} from './fixtures/worker/support.js';

let tmp: { dir: string; remove(): Promise<void> };
let root: string;
let records: LogRecord[];
let messenger: SharedFileMessengerInstance;

beforeEach(async () => {
  tmp = await makeTempDir();
  root = join(tmp.dir, 'wdirs');
  records = [];
  messenger = await makeMessenger(
    { accessPoint: `${root}/\${harvesterID}/\${_workerID_1.0}/\${workerID}`, worker_heartbeat: 5 },
    { logger: recordingLogger(records) },
  );
});

afterEach(async () => {
  await tmp.remove();
});

function simpleJob(PandaID: number, extra: Record<string, unknown> = {}) {
  return makeJob(PandaID, {
    transformation: 'run.sh',
    jobPars: '--in a.root',
    outFiles: `out.${PandaID}.root,log.${PandaID}.tgz`,
    logFile: `log.${PandaID}.tgz`,
    ...extra,
  });
}

async function setUpAndFeed(worker: WorkSpec) {
  const [setup] = await messenger.setupAccessPoints([worker]);
  expect(setup?.kind).toBe('success');
  const fed = await messenger.feedJobs(worker, worker.jobs);
  expect(fed).toEqual({ kind: 'success', value: undefined });
}

function sourceEnv(file: string, names: string[]): Record<string, string> {
  const script = `. "$1"; shift; for n in "$@"; do eval "v=\\$$n"; printf '%s=' "$n"; printf '%s' "$v" | od -An -v -tx1 | tr -d ' \\n'; echo; done`;
  const r = spawnSync('/bin/sh', ['-c', script, 'sh', file, ...names], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [name, hex = ''] = line.split('=');
        return [name as string, Buffer.from(hex, 'hex').toString('utf8')];
      }),
  );
}

describe('the plugin definition', () => {
  it('is a messenger plugin whose instance has every Messenger method', async () => {
    expect(SharedFileMessenger.kind).toBe('messenger');
    expect(SharedFileMessenger.name).toBe('SharedFileMessenger');
    const validated = await SharedFileMessenger.options?.['~standard'].validate({
      accessPoint: `${root}/\${workerID}`,
    });
    expect(validated && 'value' in validated).toBe(true);
    const instance = await SharedFileMessenger.create(
      (validated as { value: never }).value,
      pluginContext(recordingLogger()),
    );
    for (const m of REQUIRED_METHODS.messenger) expect(typeof instance[m]).toBe('function');
  });

  it('refuses a harvesterID that is not a plain path component', async () => {
    await expect(
      makeMessenger({ accessPoint: `${root}/\${harvesterID}/\${workerID}` }, { harvesterId: '../x' }),
    ).rejects.toThrow(/harvesterID is not usable in a path/);
  });
});

describe('access points', () => {
  it('resolves the template per worker, ManyToOne jobs in <accessPoint>/<PandaID>', () => {
    const w = makeWorker(1234, MapType.ManyToOne);
    expect(messenger.getAccessPoint(w)).toBe(join(root, 'hv1', '34', '1234'));
    expect(messenger.getAccessPoint(w, 77)).toBe(join(root, 'hv1', '34', '1234', '77'));
    const one = makeWorker(1235, MapType.OneToOne);
    expect(messenger.getAccessPoint(one, 77)).toBe(join(root, 'hv1', '35', '1235'));
    expect(messenger.root).toBe(join(root, 'hv1'));
  });

  it('setupAccessPoints creates the directories with mode 0750 (ManyToOne: one per job)', async () => {
    const w = makeWorker(12, MapType.ManyToOne, [simpleJob(101), simpleJob(102)]);
    const [outcome] = await messenger.setupAccessPoints([w]);
    expect(outcome).toEqual({ kind: 'success', value: undefined });
    const ap = messenger.getAccessPoint(w);
    expect((await stat(ap)).mode & 0o777).toBe(0o750);
    expect((await stat(join(ap, '101'))).mode & 0o777).toBe(0o750);
    expect((await stat(join(ap, '102'))).isDirectory()).toBe(true);
  });

  it('setupAccessPoints reports a failure as fatal, naming the path', async () => {
    await mkdir(join(root, 'hv1'), { recursive: true });
    await writeFile(join(root, 'hv1', '13'), 'a file where a directory should be');
    const w = makeWorker(13, MapType.OneToOne);
    const ok = makeWorker(14, MapType.OneToOne);
    const [bad, good] = await messenger.setupAccessPoints([w, ok]);
    expect(bad?.kind).toBe('fatal');
    expect(isFatal(bad!) && bad.diag).toContain(join(root, 'hv1', '13', '13'));
    expect(good?.kind).toBe('success');
  });

  it('refuses a stored access point outside the root', async () => {
    const w = makeWorker(15, MapType.OneToOne, [], { accessPoint: join(tmp.dir, 'elsewhere', '15') });
    const [outcome] = await messenger.setupAccessPoints([w]);
    expect(isFatal(outcome!) && outcome.diag).toMatch(/is not under/);
    expect(existsSync(join(tmp.dir, 'elsewhere'))).toBe(false);
  });

  it('refuses a job directory that is a symlink leading out of the access point', async () => {
    const w = makeWorker(16, MapType.ManyToOne, [simpleJob(161)]);
    const ap = messenger.getAccessPoint(w);
    await mkdir(ap, { recursive: true });
    await mkdir(join(tmp.dir, 'outside'));
    await symlink(join(tmp.dir, 'outside'), join(ap, '161'));
    const outcome = await messenger.feedJobs(w, w.jobs);
    expect(isFatal(outcome) && outcome.diag).toMatch(/outside/);
    expect(readdirSync(join(tmp.dir, 'outside'))).toEqual([]);
  });
});

describe('feedJobs', () => {
  it('writes the job spec, catalog, input links, PandaIDs, job list and the wrapper env file (OneToOne)', async () => {
    const inputPath = join(tmp.dir, 'storage', 'EVNT.1._001.pool.root.1');
    await mkdir(join(tmp.dir, 'storage'));
    await writeFile(inputPath, 'input');
    const job = makeJob(
      4242,
      {
        transformation: 'Sim_tf.py',
        jobPars: `--inputEVNTFile=EVNT.1._001.pool.root.1 --preExec 'a = "b"; c()' --out "x y"`,
        outFiles: 'HITS.2._001.pool.root.1,log.2._001.job.log.tgz.1',
        logFile: 'log.2._001.job.log.tgz.1',
        coreCount: 8,
        secrets: { token: 's3cr3t' },
      },
      [
        makeFile({
          lfn: 'EVNT.1._001.pool.root.1',
          fileType: 'input',
          path: inputPath,
          fileAttributes: { guid: 'GUID-1' },
        }),
        makeFile({ lfn: 'HITS.2._001.pool.root.1', fileType: 'output' }),
        makeFile({ lfn: 'log.2._001.job.log.tgz.1', fileType: 'log' }),
      ],
    );
    const w = makeWorker(21, MapType.OneToOne, [job]);
    await setUpAndFeed(w);
    const ap = messenger.getAccessPoint(w);

    const spec = JSON.parse(readFileSync(join(ap, 'HPCJobs.json'), 'utf8'));
    expect(Object.keys(spec)).toEqual(['4242']);
    expect(spec['4242'].transformation).toBe('Sim_tf.py');
    expect((await stat(join(ap, 'HPCJobs.json'))).mode & 0o777).toBe(0o640);

    const pfc = readFileSync(join(ap, 'PoolFileCatalog_H.xml'), 'utf8');
    expect(pfc).toContain('<File ID="GUID-1">');
    expect(pfc).toContain('<pfn filetype="ROOT_All" name="EVNT.1._001.pool.root.1"/>');

    expect((await lstat(join(ap, 'EVNT.1._001.pool.root.1'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(ap, 'EVNT.1._001.pool.root.1'))).toBe(inputPath);

    expect(JSON.parse(readFileSync(join(ap, 'worker_pandaids.json'), 'utf8'))).toEqual([4242]);
    expect(readFileSync(join(ap, WORKER_WRAPPER_FILE_NAMES.jobList), 'utf8')).toBe('.\n');

    const env = sourceEnv(join(ap, WORKER_WRAPPER_FILE_NAMES.jobEnv), [
      'HARVESTER_PANDA_ID',
      'HARVESTER_TASK_ID',
      'HARVESTER_TRANSFORMATION',
      'HARVESTER_JOB_PARS',
      'HARVESTER_JOB_ARGC',
      'HARVESTER_JOB_ARG_1',
      'HARVESTER_JOB_ARG_2',
      'HARVESTER_JOB_ARG_3',
      'HARVESTER_JOB_ARG_4',
      'HARVESTER_JOB_ARG_5',
      'HARVESTER_OUTPUT_FILES',
      'HARVESTER_INPUT_FILES',
      'HARVESTER_LOG_FILE',
      'HARVESTER_CORE_COUNT',
      'HARVESTER_WORKER_ID',
    ]);
    expect(env).toEqual({
      HARVESTER_PANDA_ID: '4242',
      HARVESTER_TASK_ID: '9001',
      HARVESTER_TRANSFORMATION: 'Sim_tf.py',
      HARVESTER_JOB_PARS: `--inputEVNTFile=EVNT.1._001.pool.root.1 --preExec 'a = "b"; c()' --out "x y"`,
      HARVESTER_JOB_ARGC: '5',
      HARVESTER_JOB_ARG_1: '--inputEVNTFile=EVNT.1._001.pool.root.1',
      HARVESTER_JOB_ARG_2: '--preExec',
      HARVESTER_JOB_ARG_3: 'a = "b"; c()',
      HARVESTER_JOB_ARG_4: '--out',
      HARVESTER_JOB_ARG_5: 'x y',
      HARVESTER_OUTPUT_FILES: 'HITS.2._001.pool.root.1',
      HARVESTER_INPUT_FILES: 'EVNT.1._001.pool.root.1',
      HARVESTER_LOG_FILE: 'log.2._001.job.log.tgz.1',
      HARVESTER_CORE_COUNT: '8',
      HARVESTER_WORKER_ID: '21',
    });
    const workerEnv = sourceEnv(join(ap, WORKER_WRAPPER_FILE_NAMES.workerEnv), [
      'HARVESTER_KILL_FILE',
      'HARVESTER_ATTRIBUTES_FILE',
      'HARVESTER_WORKER_HEARTBEAT_INTERVAL',
    ]);
    expect(workerEnv).toEqual({
      HARVESTER_KILL_FILE: 'kill_worker.json',
      HARVESTER_ATTRIBUTES_FILE: 'worker_attributes.json',
      HARVESTER_WORKER_HEARTBEAT_INTERVAL: '60',
    });
  });

  it('writes hostile transformation and jobPars so that sourcing runs nothing and reads them back exactly', async () => {
    const canary = join(tmp.dir, 'canary');
    const transformation = `run'; touch ${canary} #`;
    const jobPars = `'; rm -rf / #' "$(touch ${canary})" "\`touch ${canary}\`" $(id) 'it'"'"'s' "a\\"b"`;
    const w = makeWorker(22, MapType.OneToOne, [makeJob(5, { transformation, jobPars })]);
    await setUpAndFeed(w);
    const env = sourceEnv(join(messenger.getAccessPoint(w), WORKER_WRAPPER_FILE_NAMES.jobEnv), [
      'HARVESTER_TRANSFORMATION',
      'HARVESTER_JOB_PARS',
      'HARVESTER_JOB_ARGC',
      'HARVESTER_JOB_ARG_1',
      'HARVESTER_JOB_ARG_2',
      'HARVESTER_JOB_ARG_3',
      'HARVESTER_JOB_ARG_4',
      'HARVESTER_JOB_ARG_5',
      'HARVESTER_JOB_ARG_6',
    ]);
    expect(env.HARVESTER_TRANSFORMATION).toBe(transformation);
    expect(env.HARVESTER_JOB_PARS).toBe(jobPars);
    expect(env.HARVESTER_JOB_ARGC).toBe('6');
    expect([1, 2, 3, 4, 5, 6].map((i) => env[`HARVESTER_JOB_ARG_${i}`])).toEqual([
      '; rm -rf / #',
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      '$(id)',
      "it's",
      'a"b',
    ]);
    expect(existsSync(canary)).toBe(false);
  });

  it.each([
    [
      'a newline in the transformation',
      { transformation: 'run\nid' },
      /transformation contains a NUL or newline/,
    ],
    ['a NUL in jobPars', { transformation: 'run', jobPars: 'a\0b' }, /NUL/],
    [
      'an unterminated quote in jobPars',
      { transformation: 'run', jobPars: "a 'b" },
      /job 6: unterminated single quote/,
    ],
    [
      'an output LFN with ..',
      { transformation: 'run', outFiles: '../../etc/cron.d/x' },
      /"\.\.\/\.\.\/etc\/cron\.d\/x"/,
    ],
    ['an output LFN with a newline', { transformation: 'run', outFiles: 'a\nb' }, /newline/],
    ['a log LFN with a slash', { transformation: 'run', logFile: '/etc/passwd' }, /"\/etc\/passwd"/],
  ])('refuses %s, writing nothing', async (_what, params, message) => {
    const w = makeWorker(23, MapType.OneToOne, [makeJob(6, params)]);
    const [setup] = await messenger.setupAccessPoints([w]);
    expect(setup?.kind).toBe('success');
    const outcome = await messenger.feedJobs(w, w.jobs);
    expect(isFatal(outcome)).toBe(true);
    expect(isFatal(outcome) && outcome.diag).toMatch(message);
    expect(readdirSync(messenger.getAccessPoint(w))).toEqual([]);
  });

  it('refuses an input FileSpec whose LFN escapes the job directory', async () => {
    const job = makeJob(7, { transformation: 'run' }, [
      makeFile({ lfn: '../evil', fileType: 'input', path: '/etc/passwd' }),
    ]);
    const w = makeWorker(24, MapType.OneToOne, [job]);
    await messenger.setupAccessPoints([w]);
    const outcome = await messenger.feedJobs(w, w.jobs);
    expect(isFatal(outcome) && outcome.diag).toContain('"../evil"');
  });

  it('ManyToOne: one directory per job, each with its own files; the list names them', async () => {
    const w = makeWorker(25, MapType.ManyToOne, [simpleJob(301), simpleJob(302)]);
    await setUpAndFeed(w);
    const ap = messenger.getAccessPoint(w);
    for (const id of [301, 302]) {
      const spec = JSON.parse(readFileSync(join(ap, String(id), 'HPCJobs.json'), 'utf8'));
      expect(Object.keys(spec)).toEqual([String(id)]);
      expect(existsSync(join(ap, String(id), WORKER_WRAPPER_FILE_NAMES.jobEnv))).toBe(true);
      expect(existsSync(join(ap, String(id), 'PoolFileCatalog_H.xml'))).toBe(true);
    }
    expect(existsSync(join(ap, 'HPCJobs.json'))).toBe(false);
    expect(readFileSync(join(ap, WORKER_WRAPPER_FILE_NAMES.jobList), 'utf8')).toBe('301\n302\n');
    expect(JSON.parse(readFileSync(join(ap, 'worker_pandaids.json'), 'utf8'))).toEqual([301, 302]);
  });

  it('refuses more than one job for a OneToOne worker', async () => {
    const w = makeWorker(26, MapType.OneToOne, [simpleJob(1), simpleJob(2)]);
    await messenger.setupAccessPoints([w]);
    const outcome = await messenger.feedJobs(w, w.jobs);
    expect(isFatal(outcome) && outcome.diag).toMatch(/takes one job, got 2/);
  });

  it('removes the job request once jobs are fed (late binding)', async () => {
    const w = makeWorker(27, MapType.OneToOne, [simpleJob(1)]);
    await messenger.setupAccessPoints([w]);
    const ap = messenger.getAccessPoint(w);
    expect(await messenger.jobRequested(w)).toBeNull();
    await writeFile(join(ap, 'worker_requestjob.json'), '{"nJobs": 3}');
    expect(await messenger.jobRequested(w)).toBe(3);
    await writeFile(join(ap, 'worker_requestjob.json'), '{broken');
    expect(await messenger.jobRequested(w)).toBe(1);
    expect(
      records.some((r) => r.level === 'warn' && r.msg.includes(join(ap, 'worker_requestjob.json'))),
    ).toBe(true);
    await messenger.feedJobs(w, w.jobs);
    expect(existsSync(join(ap, 'worker_requestjob.json'))).toBe(false);
  });
});

describe('what workers report', () => {
  async function worker(
    workerID: number,
    mapType: MapType = MapType.OneToOne,
    jobs = [simpleJob(500 + workerID)],
  ) {
    const w = makeWorker(workerID, mapType, jobs);
    await setUpAndFeed(w);
    return { w, ap: messenger.getAccessPoint(w) };
  }

  it('getWorkAttributes merges worker_attributes.json and jobReport.json (as metaData) per PandaID', async () => {
    const { w, ap } = await worker(31);
    await writeFile(
      join(ap, 'worker_attributes.json'),
      JSON.stringify({
        jobStatus: 'finished',
        transExitCode: 0,
        startTime: 1700000000,
        endTime: '1700000060',
        cpuConsumptionTime: 12,
      }),
    );
    await writeFile(join(ap, 'jobReport.json'), JSON.stringify({ exitCode: 0, exitMsg: 'OK' }));
    await writeFile(join(ap, 'post_process_job_attrs.json'), JSON.stringify({ skippedInputs: [] }));
    expect(await messenger.getWorkAttributes(w)).toEqual({
      '531': {
        jobStatus: 'finished',
        transExitCode: 0,
        startTime: '2023-11-14 22:13:20',
        endTime: '2023-11-14 22:14:20',
        cpuConsumptionTime: 12,
        metaData: { exitCode: 0, exitMsg: 'OK' },
        skippedInputs: [],
      },
    });
  });

  it('getWorkAttributes skips a malformed file with a warning naming it, keeping the rest', async () => {
    const { w, ap } = await worker(32);
    await writeFile(join(ap, 'worker_attributes.json'), '{"jobStatus": "fini');
    await writeFile(join(ap, 'jobReport.json'), JSON.stringify({ exitCode: 3 }));
    expect(await messenger.getWorkAttributes(w)).toEqual({ '532': { metaData: { exitCode: 3 } } });
    const warning = records.find(
      (r) => r.level === 'warn' && r.obj.file === join(ap, 'worker_attributes.json'),
    );
    expect(warning?.msg).toMatch(/malformed JSON/);
  });

  it('getWorkAttributes does not follow a symlink planted by the worker', async () => {
    const { w, ap } = await worker(33);
    await writeFile(join(tmp.dir, 'secret.json'), JSON.stringify({ password: 'x' }));
    await symlink(join(tmp.dir, 'secret.json'), join(ap, 'jobReport.json'));
    expect(await messenger.getWorkAttributes(w)).toEqual({});
    expect(records.some((r) => r.level === 'warn' && /symlink/.test(r.msg))).toBe(true);
  });

  it('getWorkAttributes reads ManyToOne job directories', async () => {
    const { w, ap } = await worker(34, MapType.ManyToOne, [simpleJob(341), simpleJob(342)]);
    await writeFile(join(ap, '341', 'worker_attributes.json'), JSON.stringify({ jobStatus: 'finished' }));
    await writeFile(join(ap, '342', 'worker_attributes.json'), JSON.stringify({ jobStatus: 'failed' }));
    expect(await messenger.getWorkAttributes(w)).toEqual({
      '341': { jobStatus: 'finished' },
      '342': { jobStatus: 'failed' },
    });
  });

  it('ignores a ManyToOne job directory replaced by a symlink leading out of the access point', async () => {
    const { w, ap } = await worker(45, MapType.ManyToOne, [simpleJob(451), simpleJob(452)]);
    const outside = join(tmp.dir, 'outside-451');
    await mkdir(outside);
    await writeFile(join(outside, 'worker_attributes.json'), JSON.stringify({ jobStatus: 'finished' }));
    await writeFile(join(outside, 'event_status.dump.json'), JSON.stringify({ '451': [] }));
    await rm(join(ap, '451'), { recursive: true });
    await symlink(outside, join(ap, '451'));
    await writeFile(join(ap, '452', 'worker_attributes.json'), JSON.stringify({ jobStatus: 'failed' }));
    expect(await messenger.getWorkAttributes(w)).toEqual({ '452': { jobStatus: 'failed' } });
    expect(await messenger.getFilesToStageOut(w)).toEqual({});
    expect(readdirSync(outside).sort()).toEqual(['event_status.dump.json', 'worker_attributes.json']);
    expect(records.some((r) => r.level === 'error' && r.obj.path === join(ap, '451'))).toBe(true);
  });

  it('getFilesToStageOut: .read protocol, at least once across a crash, acknowledged to .read.<timestamp>', async () => {
    const { w, ap } = await worker(35);
    await writeFile(join(ap, 'out.535.root'), 'hello');
    const dump = join(ap, 'event_status.dump.json');
    await writeFile(
      dump,
      JSON.stringify({
        '535': [{ path: join(ap, 'out.535.root'), type: 'output', eventStatus: 'finished' }],
      }),
    );
    const first = await messenger.getFilesToStageOut(w);
    const expected = {
      '535': [
        {
          path: join(ap, 'out.535.root'),
          lfn: 'out.535.root',
          type: 'output',
          fsize: 5,
          chksum: 'ad:062c0215',
          eventStatus: 'finished',
          isZip: false,
        },
      ],
    };
    expect(first).toEqual(expected);
    expect(existsSync(dump)).toBe(false);
    expect(existsSync(`${dump}.read`)).toBe(true);

    // The worker writes a new dump while the .read one is not acknowledged yet.
    await writeFile(dump, JSON.stringify({ '535': [{ path: 'late.log', type: 'log' }] }));
    await writeFile(join(ap, 'late.log'), 'late');

    // The harvester dies before acknowledging: a new instance reads the same file again.
    const restarted = await makeMessenger({
      accessPoint: `${root}/\${harvesterID}/\${_workerID_1.0}/\${workerID}`,
    });
    expect(await restarted.getFilesToStageOut(w)).toEqual(expected);

    await restarted.acknowledgeEventsFiles([w]);
    expect(existsSync(`${dump}.read`)).toBe(false);
    const acked = readdirSync(ap).filter((n) => n.startsWith('event_status.dump.json.read.'));
    expect(acked).toHaveLength(1);
    expect(acked[0]).toMatch(/^event_status\.dump\.json\.read\.\d{4}-\d\d-\d\d_\d\d_\d\d_\d\d\.\d{3}$/);

    // Then the newer dump comes through; relative paths are taken relative to the job directory.
    const second = await restarted.getFilesToStageOut(w);
    expect(second['535']?.map((r) => [r.path, r.type, r.fsize])).toEqual([[join(ap, 'late.log'), 'log', 4]]);
    await restarted.acknowledgeEventsFiles([w]);
    expect(await restarted.getFilesToStageOut(w)).toEqual({});
  });

  it('getFilesToStageOut refuses paths leaving the access point, naming them, and keeps the valid entries', async () => {
    const { w, ap } = await worker(36);
    await writeFile(join(ap, 'good.root'), 'g');
    await writeFile(join(tmp.dir, 'outside.root'), 'o');
    await symlink(join(tmp.dir, 'outside.root'), join(ap, 'link.root'));
    await writeFile(
      join(ap, 'event_status.dump.json'),
      JSON.stringify({
        '536': [
          { path: '../../../../../etc/passwd', type: 'output' },
          { path: '/etc/shadow', type: 'output' },
          { path: join(ap, 'link.root'), type: 'output' },
          { path: join(ap, 'good.root'), type: 'output', fsize: 1, chksum: 'ad:00620062' },
          { path: join(ap, 'x\ny.root'), type: 'output' },
          { path: join(ap, 'good.root'), type: 'weird' },
        ],
        '999': [{ path: join(ap, 'good.root'), type: 'output' }],
      }),
    );
    const result = await messenger.getFilesToStageOut(w);
    expect(result).toEqual({
      '536': [
        {
          path: join(ap, 'good.root'),
          lfn: 'good.root',
          type: 'output',
          fsize: 1,
          chksum: 'ad:00620062',
          isZip: false,
        },
      ],
    });
    const errors = records.filter((r) => r.level === 'error').map((r) => r.msg);
    expect(errors.some((m) => m.includes('"../../../../../etc/passwd"'))).toBe(true);
    expect(errors.some((m) => m.includes('"/etc/shadow"') && m.includes('is not under'))).toBe(true);
    expect(errors.some((m) => m.includes(join(ap, 'link.root')) && m.includes('outside'))).toBe(true);
    expect(errors.some((m) => m.includes('newline'))).toBe(true);
    expect(errors.some((m) => m.includes('"weird"'))).toBe(true);
    expect(errors.some((m) => m.includes('999') && m.includes('not a job of this worker'))).toBe(true);
  });

  it('getFilesToStageOut: a malformed dump is retried within the grace period, then set aside', async () => {
    const { w, ap } = await worker(37);
    const dump = join(ap, 'event_status.dump.json');
    await writeFile(dump, '{"537": [{"path": ');
    expect(await messenger.getFilesToStageOut(w)).toEqual({});
    expect(existsSync(`${dump}.read`)).toBe(true);
    const warn = records.find((r) => r.level === 'warn' && r.obj.file === `${dump}.read`);
    expect(warn?.msg).toMatch(/malformed JSON/);

    // Still malformed after the grace period: set aside, not read again.
    const old = new Date(Date.now() - 3600_000);
    await utimes(`${dump}.read`, old, old);
    expect(await messenger.getFilesToStageOut(w)).toEqual({});
    expect(existsSync(`${dump}.read`)).toBe(false);
    expect(readdirSync(ap).some((n) => n.startsWith('event_status.dump.json.read.bad.'))).toBe(true);
    const error = records.find((r) => r.level === 'error' && r.obj.file === `${dump}.read`);
    expect(error?.msg).toMatch(/set aside/);
  });

  it('getFilesToStageOut acknowledges an empty dump itself, so that it cannot block the next one', async () => {
    const { w, ap } = await worker(38);
    await writeFile(join(ap, 'event_status.dump.json'), JSON.stringify({ '538': [] }));
    expect(await messenger.getFilesToStageOut(w)).toEqual({});
    expect(existsSync(join(ap, 'event_status.dump.json.read'))).toBe(false);
  });

  it('events: requests, feeding (ManyToOne per job), updates with the .read protocol', async () => {
    const { w, ap } = await worker(39, MapType.ManyToOne, [simpleJob(391), simpleJob(392)]);
    await writeFile(
      join(ap, 'worker_requestevents.json'),
      JSON.stringify({
        '391': { nRanges: 4, pandaID: 391, taskID: 9001, jobsetID: 7 },
        '999': { nRanges: 1 },
        bad: {},
      }),
    );
    expect(await messenger.eventsRequested(w)).toEqual({
      '391': { nRanges: 4, pandaID: 391, taskID: 9001, jobsetID: 7 },
    });
    const fed = await messenger.feedEvents(w, { '391': [{ eventRangeID: 'r1', startEvent: 1 }] });
    expect(isSuccess(fed)).toBe(true);
    expect(JSON.parse(readFileSync(join(ap, '391', 'JobsEventRanges.json'), 'utf8'))).toEqual({
      '391': [{ eventRangeID: 'r1', startEvent: 1 }],
    });
    expect(existsSync(join(ap, 'worker_requestevents.json'))).toBe(false);

    await writeFile(
      join(ap, '392', 'worker_updateevents.json'),
      JSON.stringify({ '392': [{ eventRangeID: 'r9', eventStatus: 'finished' }, { eventStatus: 'x' }] }),
    );
    const updates = await messenger.eventsToUpdate(w);
    expect(updates).toEqual({ '392': [{ eventRangeID: 'r9', eventStatus: 'finished' }] });
    expect(await messenger.eventsToUpdate(w)).toEqual(updates);
    await messenger.acknowledgeEventsFiles([w]);
    expect(await messenger.eventsToUpdate(w)).toEqual({});
  });

  it('getPandaIds reads the PandaIDs file of a pull worker, dropping what is not a PandaID', async () => {
    const w = makeWorker(40, MapType.NoJob);
    await messenger.setupAccessPoints([w]);
    const ap = messenger.getAccessPoint(w);
    expect(await messenger.getPandaIds(w)).toEqual([]);
    await writeFile(join(ap, 'worker_pandaids.json'), JSON.stringify([11, '12', -1, 'x', 11]));
    expect(await messenger.getPandaIds(w)).toEqual([11, 12]);
    await writeFile(join(ap, 'worker_pandaids.json'), '[1,');
    expect(await messenger.getPandaIds(w)).toEqual([]);
  });

  it('killRequested is the existence of the kill file', async () => {
    const { w, ap } = await worker(41);
    expect(await messenger.killRequested(w)).toBe(false);
    await writeFile(join(ap, 'kill_worker.json'), '{}');
    expect(await messenger.killRequested(w)).toBe(true);
  });

  it('isAlive compares the heartbeat mtime with the limit; null without a configured heartbeat', async () => {
    const { w, ap } = await worker(42);
    w.startTime = new Date(Date.now() - 3600_000);
    expect(await messenger.isAlive(w, 5)).toBeNull(); // old worker, no heartbeat file
    const young = makeWorker(42, MapType.OneToOne, [], { startTime: new Date() });
    expect(await messenger.isAlive(young, 5)).toBe(true);
    const hb = join(ap, 'worker_heartbeat.json');
    await writeFile(hb, '{}');
    expect(await messenger.isAlive(w, 5)).toBe(true);
    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(hb, old, old);
    expect(await messenger.isAlive(w, 5)).toBe(false);
    expect(await messenger.isAlive(w, 20)).toBe(true);

    const noHeartbeat = await makeMessenger({
      accessPoint: `${root}/\${harvesterID}/\${_workerID_1.0}/\${workerID}`,
    });
    expect(await noHeartbeat.isAlive(w, 5)).toBeNull();
  });

  it('ignores a directory where a worker file should be, with a warning', async () => {
    const { w, ap } = await worker(43);
    await mkdir(join(ap, 'worker_attributes.json'));
    expect(await messenger.getWorkAttributes(w)).toEqual({});
    expect(records.some((r) => r.level === 'warn' && /not a regular file/.test(r.msg))).toBe(true);
  });

  it('explains file-system failures (a MessengerError naming the method and worker), never a raw error', async () => {
    const w = makeWorker(44, MapType.OneToOne, [simpleJob(544)]);
    const ap = messenger.getAccessPoint(w);
    await mkdir(join(ap, '..'), { recursive: true });
    await symlink(ap, ap); // a symlink loop: ELOOP
    const error = await messenger.getWorkAttributes(w).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MessengerError);
    expect((error as MessengerError).message).toMatch(/^getWorkAttributes of worker 44 failed: .*ELOOP/);
    expect((error as MessengerError).code).toBe('MESSENGER_FAILED');
  });
});

describe('postProcessing', () => {
  it('packs *.log, *.txt, *.json into the log LFN (not the job spec) and lists it for stage-out', async () => {
    const w = makeWorker(51, MapType.OneToOne, [simpleJob(551, { logGUID: 'LOG-GUID' })]);
    await setUpAndFeed(w);
    const ap = messenger.getAccessPoint(w);
    await writeFile(join(ap, 'payload.log'), 'log');
    await writeFile(join(ap, 'notes.txt'), 'txt');
    await writeFile(join(ap, 'out.551.root'), 'not a log');
    await mkdir(join(ap, 'sub'));
    await writeFile(join(ap, 'sub', '-tricky name.log'), 'x');
    await symlink('/etc/hostname', join(ap, 'evil.log'));
    // The worker's own unread dump is kept.
    await writeFile(
      join(ap, 'event_status.dump.json'),
      JSON.stringify({ '551': [{ path: join(ap, 'out.551.root'), type: 'output' }] }),
    );
    const outcome = await messenger.postProcessing(w, w.jobs, MapType.OneToOne);
    expect(outcome).toEqual({ kind: 'success', value: undefined });
    const tarball = join(ap, 'log.551.tgz');
    const listing = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
    expect(listing.status).toBe(0);
    expect(listing.stdout.trim().split('\n').sort()).toEqual(
      [
        './event_status.dump.json',
        './notes.txt',
        './payload.log',
        './sub/-tricky name.log',
        './worker_pandaids.json',
      ].sort(),
    );
    const files = await messenger.getFilesToStageOut(w);
    expect(files['551']?.map((f) => [f.lfn, f.type])).toEqual([
      ['out.551.root', 'output'],
      ['log.551.tgz', 'log'],
    ]);
    const log = files['551']?.[1];
    expect(log?.guid).toBe('LOG-GUID');
    expect(log?.fsize).toBe((await stat(tarball)).size);
    expect(log?.chksum).toMatch(/^ad:[0-9a-f]{8}$/);
  });

  it('OneToMany appends ._<workerID> to the log name', async () => {
    const w = makeWorker(52, MapType.OneToMany, [simpleJob(552)]);
    await setUpAndFeed(w);
    await messenger.postProcessing(w, w.jobs, MapType.OneToMany);
    expect(existsSync(join(messenger.getAccessPoint(w), 'log.552.tgz._52'))).toBe(true);
  });

  it('asks to retry when tar fails, leaving no partial tarball', async () => {
    const broken = await makeMessenger({
      accessPoint: `${root}/\${harvesterID}/\${_workerID_1.0}/\${workerID}`,
      tarCommand: join(tmp.dir, 'no-such-tar'),
    });
    const w = makeWorker(53, MapType.OneToOne, [simpleJob(553)]);
    await broken.setupAccessPoints([w]);
    await broken.feedJobs(w, w.jobs);
    const outcome = await broken.postProcessing(w, w.jobs, MapType.OneToOne);
    expect(isRetryLater(outcome)).toBe(true);
    expect(isRetryLater(outcome) && outcome.diag).toContain('no-such-tar');
    expect(readdirSync(broken.getAccessPoint(w)).some((n) => n.startsWith('log.553.tgz'))).toBe(false);
  });

  it('refuses an unsafe log LFN as fatal', async () => {
    const w = makeWorker(54, MapType.OneToOne, []);
    await messenger.setupAccessPoints([w]);
    const job = makeJob(554, { logFile: '../../escape.tgz' });
    const outcome = await messenger.postProcessing(w, [job], MapType.OneToOne);
    expect(isFatal(outcome) && outcome.diag).toContain('"../../escape.tgz"');
  });
});

describe('cleanUp', () => {
  it('removes the access point', async () => {
    const w = makeWorker(61, MapType.ManyToOne, [simpleJob(611)]);
    await setUpAndFeed(w);
    const ap = messenger.getAccessPoint(w);
    expect(await messenger.cleanUp(w)).toEqual({ kind: 'success', value: undefined });
    expect(existsSync(ap)).toBe(false);
    expect(existsSync(messenger.root)).toBe(true);
    const again = await messenger.cleanUp(w);
    expect(isSuccess(again) && again.diag).toMatch(/already gone/);
  });

  it('refuses a worker whose access point is outside the root, and deletes nothing', async () => {
    const outside = join(tmp.dir, 'precious');
    await mkdir(outside);
    await writeFile(join(outside, 'keep'), 'x');
    await mkdir(messenger.root, { recursive: true });
    for (const accessPoint of [outside, messenger.root, `${messenger.root}/../precious`]) {
      const w = makeWorker(62, MapType.OneToOne, [], { accessPoint });
      const outcome = await messenger.cleanUp(w);
      expect(isFatal(outcome)).toBe(true);
      expect(existsSync(join(outside, 'keep'))).toBe(true);
      expect(existsSync(messenger.root)).toBe(true);
    }
  });

  it('refuses an access point that is a symlink, or whose parent leads outside the root', async () => {
    const outside = join(tmp.dir, 'precious');
    await mkdir(join(outside, '63'), { recursive: true });
    await writeFile(join(outside, '63', 'keep'), 'x');
    // The shard directory of worker 63 is a symlink to somewhere else.
    await mkdir(messenger.root, { recursive: true });
    await symlink(outside, join(messenger.root, '63'));
    const w = makeWorker(63, MapType.OneToOne);
    const outcome = await messenger.cleanUp(w);
    expect(isFatal(outcome) && outcome.diag).toMatch(/outside/);
    expect(existsSync(join(outside, '63', 'keep'))).toBe(true);

    const w2 = makeWorker(64, MapType.OneToOne);
    await mkdir(join(messenger.root, '64'), { recursive: true });
    await symlink(outside, messenger.getAccessPoint(w2));
    const outcome2 = await messenger.cleanUp(w2);
    expect(isFatal(outcome2) && outcome2.diag).toMatch(/symlink/);
    expect(existsSync(join(outside, '63', 'keep'))).toBe(true);
  });
});

it('keeps JSON it writes readable and the env file free of surprises for any input (sanity)', async () => {
  const w = makeWorker(71, MapType.OneToOne, [
    makeJob(7101, { transformation: 'x', jobPars: '"\u0001\u00e9\u2028"', outFiles: 'a.root' }),
  ]);
  await setUpAndFeed(w);
  const ap = messenger.getAccessPoint(w);
  expect(JSON.parse(await readFile(join(ap, 'HPCJobs.json'), 'utf8'))['7101'].jobPars).toBe(
    '"\u0001\u00e9\u2028"',
  );
  const env = sourceEnv(join(ap, WORKER_WRAPPER_FILE_NAMES.jobEnv), ['HARVESTER_JOB_ARG_1']);
  expect(env.HARVESTER_JOB_ARG_1).toBe('\u0001\u00e9\u2028');
});
