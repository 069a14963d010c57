// The CLI's commands, options, configuration handling and exit codes (the built CLI).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { harvester, json, removeDir, tempDir } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON output, checked field by field
type Json = Record<string, any>;
// biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester's access point placeholder
const WORKER_ID = '${workerID}';

let dir: string;
beforeEach(() => {
  dir = tempDir('cli');
});
afterEach(() => removeDir(dir));

describe('command line', () => {
  it('prints help with examples and exit codes; a command has its own help', async () => {
    const help = await harvester(dir, ['--help']);
    expect(help.code).toBe(0);
    for (const c of [
      'run',
      'jobs add',
      'inspect job|worker',
      'kill worker',
      'config validate',
      'db migrate',
      'plugins',
    ]) {
      expect(help.stdout).toContain(c);
    }
    expect(help.stdout).toContain('Exit codes');
    const runHelp = await harvester(dir, ['run', '--help']);
    expect(runHelp.code).toBe(0);
    expect(runHelp.stdout).toContain('--until-idle');
    expect(runHelp.stdout).toContain('Examples:');
  });

  it('refuses an unknown command, an unknown option and bad values with exit code 2', async () => {
    expect((await harvester(dir, ['frobnicate'])).code).toBe(2);
    const opt = await harvester(dir, ['jobs', '--colour']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toContain("Unknown option '--colour'");
    const limit = await harvester(dir, ['jobs', '--limit', 'many']);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--limit must be an integer');
    const both = await harvester(dir, ['run', '--once', '--until-idle']);
    expect([both.code, both.stderr]).toEqual([2, expect.stringContaining('exclude each other')]);
    expect((await harvester(dir, ['inspect', 'jobb', '1'])).code).toBe(2);
    expect((await harvester(dir, ['kill', 'worker', 'x'])).code).toBe(2);
  });

  it('says there is no database yet (exit 4), creates it with db migrate, then reports unknown ids (exit 5)', async () => {
    const jobs = await harvester(dir, ['jobs']);
    expect(jobs.code).toBe(4);
    expect(jobs.stderr).toContain('there is no database');
    const migrated = await json<{ applied: string[] }>(dir, ['db', 'migrate']);
    expect(migrated.applied.length).toBeGreaterThan(0);
    expect((await json<{ applied: string[] }>(dir, ['db', 'migrate'])).applied).toEqual([]);
    expect(await json(dir, ['jobs'])).toEqual([]);
    expect((await harvester(dir, ['jobs'])).stdout.trim()).toBe('no jobs');
    const inspect = await harvester(dir, ['inspect', 'job', '424242']);
    expect([inspect.code, inspect.stderr]).toEqual([5, expect.stringContaining('no job 424242')]);
    const kill = await harvester(dir, ['kill', 'worker', '77', '--json']);
    expect(kill.code).toBe(5);
    expect(JSON.parse(kill.stdout)).toEqual({ marked: [], alreadyFinal: [], unknown: [77] });
  });

  it('adds jobs only when every one is valid, naming each problem', async () => {
    writeFileSync(
      join(dir, 'good.json'),
      JSON.stringify({ PandaID: 5, transformation: '/bin/true', jobPars: '' }),
    );
    writeFileSync(join(dir, 'broken.json'), '{"PandaID": 6,');
    writeFileSync(join(dir, 'elsewhere.json'), JSON.stringify({ PandaID: 7, computingSite: 'NOWHERE' }));
    const bad = await harvester(dir, ['jobs', 'add', 'good.json', 'broken.json', 'elsewhere.json']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('no job was added');
    expect(bad.stderr).toContain('broken.json');
    expect(bad.stderr).toContain("computingSite 'NOWHERE' is not a configured queue (local)");
    const ok = await json<{ PandaID: number; queue: string }[]>(dir, ['jobs', 'add', 'good.json']);
    expect(ok).toEqual([expect.objectContaining({ PandaID: 5, queue: 'local' })]);
    const again = await harvester(dir, ['jobs', 'add', 'good.json']);
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('PandaID 5 is already known')]);
    const renumbered = await json<{ PandaID: number }[]>(dir, ['jobs', 'add', 'good.json', '--new-ids']);
    expect(renumbered[0]!.PandaID).toBe(6);
  });
});

describe('configuration', () => {
  it('shows the embedded default with every default filled in', async () => {
    const shown = await json<Json>(dir, ['config', 'show']);
    expect(shown.file).toBeNull();
    expect(shown.profile).toBe('local');
    expect(shown.database).toEqual({ type: 'sqlite', path: join(dir, 'var', 'harvester.db') });
    expect(Object.keys(shown.queues)).toEqual(['local']);
    expect(shown.queues.local.submitter.module).toBe('@harvester-ts/local');
    expect(shown.queues.local.messenger.accessPoint).toBe(join(dir, 'var', 'workers', WORKER_ID));
    expect(shown.communicator).toEqual(
      expect.objectContaining({ name: 'SpoolCommunicator', root: join(dir, 'var', 'spool') }),
    );
    expect(shown.engine.monitor.checkIntervalMs).toBe(1000);
  });

  it('validates every plugin of the embedded default', async () => {
    const v = await json<{ valid: boolean; plugins: { ok: boolean }[] }>(dir, ['config', 'validate']);
    expect(v.valid).toBe(true);
    expect(v.plugins).toHaveLength(8);
  });

  it('reports every problem of a configuration file with its path (exit 3)', async () => {
    writeFileSync(
      join(dir, 'harvester.config.json'),
      JSON.stringify({
        harvesterId: 'bad id!',
        engine: { monitor: { checkIntervalMs: -1 } },
        queues: { Q: { templateQueueName: 'LOCAL_TEMPLATE', maxWorkers: 'many' } },
        colour: 'blue',
      }),
    );
    const r = await harvester(dir, ['config', 'validate']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('colour');
    const r2 = await harvester(dir, ['config', 'validate', '--json']);
    expect(r2.code).toBe(3);
    expect(JSON.parse(r2.stdout)).toEqual(expect.objectContaining({ valid: false }));
    writeFileSync(
      join(dir, 'harvester.config.json'),
      JSON.stringify({ queues: { Q: { templateQueueName: 'LOCAL_TEMPLATE', maxWorkers: 'many' } } }),
    );
    const q = await harvester(dir, ['config', 'validate']);
    expect([q.code, q.stderr]).toEqual([3, expect.stringContaining('Q.maxWorkers')]);
    writeFileSync(
      join(dir, 'harvester.config.json'),
      JSON.stringify({
        queues: { Q: { templateQueueName: 'LOCAL_TEMPLATE', sweeper: { killGraceSeconds: 'soon' } } },
      }),
    );
    const p = await harvester(dir, ['config', 'validate']);
    expect(p.code).toBe(3);
    expect(p.stdout).toMatch(/FAIL Q\.sweeper: @harvester-ts\/local LocalSweeper[\s\S]*killGraceSeconds/);
    writeFileSync(join(dir, 'harvester.config.json'), '{"queues": ');
    const syntax = await harvester(dir, ['jobs']);
    expect([syntax.code, syntax.stderr]).toEqual([3, expect.stringContaining('not valid JSON')]);
  });

  it('loads a TypeScript configuration with secrets from env and files, and redacts them', async () => {
    writeFileSync(join(dir, 'token.txt'), 'file-secret-0123456789\n');
    writeFileSync(
      join(dir, 'harvester.config.ts'),
      [
        "import type { AppConfigInput } from '@harvester-ts/app';",
        'const dataDir: string = "./state";',
        'export default {',
        '  harvesterId: "ts-site",',
        '  dataDir,',
        '  http: { enabled: false, token: { $file: "token.txt" } },',
        '  database: { type: "mysql", host: "db.example", user: "h", database: "harvester", password: { $env: "DB_PASS" } },',
        '} satisfies Record<string, unknown> as unknown as AppConfigInput;',
      ].join('\n'),
    );
    const missing = await harvester(dir, ['config', 'show'], { DB_PASS: undefined as unknown as string });
    expect([missing.code, missing.stderr]).toEqual([
      3,
      expect.stringContaining('database.password: environment variable DB_PASS is not set'),
    ]);
    const r = await harvester(dir, ['config', 'show'], { DB_PASS: 'hunter2-env-secret' });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('hunter2-env-secret');
    expect(r.stdout).not.toContain('file-secret-0123456789');
    const shown = JSON.parse(r.stdout);
    expect(shown.harvesterId).toBe('ts-site');
    expect(shown.dataDir).toBe(join(dir, 'state'));
    expect(shown.database.password).toBe('[redacted: from env DB_PASS]');
    expect(shown.http.token).toMatch(/^\[redacted: from file .*token\.txt\]$/);
  });

  it("takes a Python Harvester panda_queueconfig.json, mapping Harvester's modules and rejecting unknown ones", async () => {
    const harvesterQueue = (messengerModule: string) => ({
      SITE_A: {
        mapType: 'OneToOne',
        submitter: { module: 'pandaharvester.harvestersubmitter.slurm_submitter', name: 'SlurmSubmitter' },
        monitor: { module: 'pandaharvester.harvestermonitor.slurm_monitor', name: 'SlurmMonitor' },
        sweeper: { module: 'pandaharvester.harvestersweeper.slurm_sweeper', name: 'SlurmSweeper' },
        messenger: {
          module: messengerModule,
          name: 'SharedFileMessenger',
          accessPoint: `/data/${WORKER_ID}`,
        },
        preparator: {
          module: '@harvester-ts/stager-posix',
          name: 'PosixPreparator',
          storageRoot: '/storage',
          mode: 'direct',
        },
        stager: { module: '@harvester-ts/stager-posix', name: 'PosixStager', destinationRoot: '/storage' },
        workerMaker: {
          module: 'pandaharvester.harvesterworkermaker.simple_worker_maker',
          name: 'SimpleWorkerMaker',
        },
      },
    });
    mkdirSync(join(dir, 'etc'));
    writeFileSync(
      join(dir, 'etc', 'panda_queueconfig.json'),
      JSON.stringify(harvesterQueue('pandaharvester.harvestermessenger.shared_file_messenger')),
    );
    writeFileSync(
      join(dir, 'harvester.config.json'),
      JSON.stringify({ queues: './etc/panda_queueconfig.json' }),
    );
    const shown = await json<Json>(dir, ['config', 'show']);
    expect(shown.profile).toBe('site');
    expect(shown.queues.SITE_A.submitter).toEqual(
      expect.objectContaining({ module: '@harvester-ts/slurm', name: 'SlurmSubmitter' }),
    );
    expect(shown.queues.SITE_A.messenger.module).toBe('@harvester-ts/engine');
    expect(shown.queueNotes.join('\n')).toContain('SITE_A.submitter');
    // Every mapped plugin loads (the Slurm submitter gets the app's worker wrapper as executable).
    const v = await harvester(dir, ['config', 'validate']);
    expect([v.code, v.stdout]).toEqual([
      0,
      expect.stringContaining('ok   SITE_A.submitter: @harvester-ts/slurm SlurmSubmitter'),
    ]);
    expect(shown.queues.SITE_A.submitter.executable).toEqual([
      'sh',
      expect.stringMatching(/harvester-worker\.sh$/),
    ]);

    writeFileSync(
      join(dir, 'etc', 'panda_queueconfig.json'),
      JSON.stringify(harvesterQueue('pandaharvester.harvestermessenger.http_server_messenger')),
    );
    const bad = await harvester(dir, ['config', 'show']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('SITE_A.messenger');
  });

  it('takes a Harvester HTCondor grid NoJob queue, dropping its DummyPreparator and DummyStager', async () => {
    mkdirSync(join(dir, 'etc'));
    const sdf = join(dir, 'etc', 'grid.sdf');
    writeFileSync(
      sdf,
      'executable = {executableFile}\nuniverse = grid\nlog = {logDir}/{workerID}.log\nqueue 1\n',
    );
    const HP = 'pandaharvester.harvester';
    const gridQueue = (mapType: string) => ({
      'CERN-PROD_UCORE': {
        prodSourceLabel: 'managed',
        mapType,
        truePilot: true,
        maxWorkers: 1000,
        nQueueLimitWorker: 200,
        submitter: {
          name: 'HTCondorSubmitter',
          module: `${HP}submitter.htcondor_submitter`,
          useSpool: false,
          templateFile: sdf,
          executableFile: '/opt/harvester/etc/runpilot3-wrapper.sh',
          x509UserProxy: '/data/harvester/x509up_prod',
          logDir: '/data/harvester/condor_logs',
          logBaseURL: 'https://harvester.example.org/condor_logs',
          nProcesses: 8,
          condorSchedd: 'ce01.example.org',
          condorPool: 'ce01.example.org:9619',
        },
        monitor: {
          name: 'HTCondorMonitor',
          module: `${HP}monitor.htcondor_monitor`,
          cancelUnknown: false,
          heldTimeout: 3600,
        },
        sweeper: { name: 'HTCondorSweeper', module: `${HP}sweeper.htcondor_sweeper` },
        messenger: {
          name: 'SharedFileMessenger',
          module: `${HP}messenger.shared_file_messenger`,
          accessPoint: `/data/harvester/wdirs/${WORKER_ID}`,
        },
        workerMaker: {
          name: 'SimpleWorkerMaker',
          module: `${HP}workermaker.simple_worker_maker`,
          jobAttributesToUse: ['nCore'],
        },
        preparator: { name: 'DummyPreparator', module: `${HP}preparator.dummy_preparator` },
        stager: { name: 'DummyStager', module: `${HP}stager.dummy_stager` },
      },
    });
    const queueFile = join(dir, 'etc', 'panda_queueconfig.json');
    writeFileSync(queueFile, JSON.stringify(gridQueue('NoJob')));
    writeFileSync(
      join(dir, 'harvester.config.json'),
      JSON.stringify({ queues: './etc/panda_queueconfig.json' }),
    );
    const v = await harvester(dir, ['config', 'validate']);
    expect(v.code).toBe(0);
    for (const section of ['submitter', 'monitor', 'sweeper']) {
      const name = `HTCondor${section[0]!.toUpperCase()}${section.slice(1)}`;
      expect(v.stdout).toContain(`ok   CERN-PROD_UCORE.${section}: @harvester-ts/htcondor ${name}`);
    }
    expect(v.stdout).toContain(
      'mapped CERN-PROD_UCORE.preparator: pandaharvester.harvesterpreparator.dummy_preparator.DummyPreparator → none; ' +
        'dropped: DummyPreparator moves no data; a NoJob queue needs no preparator, a queue with jobs must name a real one',
    );
    expect(v.stdout).toContain('dropped: DummyStager moves no data');
    expect(v.stdout).not.toMatch(/CERN-PROD_UCORE\.(preparator|stager): @/);
    expect(v.stdout.trim().split('\n').at(-1)).toBe('valid');

    const shown = await json<Json>(dir, ['config', 'show']);
    const queue = shown.queues['CERN-PROD_UCORE'];
    expect([queue.mapType, 'preparator' in queue, 'stager' in queue]).toEqual(['NoJob', false, false]);
    expect(queue.submitter).toEqual(
      expect.objectContaining({
        module: '@harvester-ts/htcondor',
        name: 'HTCondorSubmitter',
        useSpool: false,
      }),
    );
    expect(shown.queueNotes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CERN-PROD_UCORE\.stager: .*DummyStager → none; dropped: /),
      ]),
    );

    // The same queue carrying jobs needs a real preparator and stager, and is told so.
    writeFileSync(queueFile, JSON.stringify(gridQueue('OneToOne')));
    const push = await harvester(dir, ['config', 'validate']);
    expect(push.code).toBe(3);
    expect(push.stderr).toContain(
      "CERN-PROD_UCORE.preparator: missing mandatory plugin section 'preparator' (set it in the queue or in its " +
        "template; only NoJob queues, which carry no jobs, may leave it out); Harvester's DummyPreparator " +
        '(CERN-PROD_UCORE.preparator) was dropped: it moves no data',
    );
    expect(push.stderr).toContain("CERN-PROD_UCORE.stager: missing mandatory plugin section 'stager'");
  });

  it('prints the JSON Schemas of the configuration and of the queues', async () => {
    const app = await json<Json>(dir, ['config', 'schema']);
    expect(app.properties.queues.anyOf[1]).toEqual({ $ref: '#/definitions/QueueConfigFile' });
    expect(app.definitions.QueueConfigFile).toBeDefined();
    const queues = await json<Json>(dir, ['config', 'schema', '--queues']);
    expect(queues.title).toContain('queue configuration');
  });
});

it('lists the plugin packages with their plugins and their compatibility with the core', async () => {
  const r = await json<{
    core: string;
    packages: {
      module: string;
      configured: boolean;
      plugins: { kind: string; export: string; compatible: boolean }[];
    }[];
  }>(dir, ['plugins']);
  const byModule = new Map(r.packages.map((p) => [p.module, p]));
  expect(
    byModule
      .get('@harvester-ts/local')
      ?.plugins.map((p) => `${p.kind} ${p.export}`)
      .sort(),
  ).toEqual(['monitor LocalMonitor', 'submitter LocalSubmitter', 'sweeper LocalSweeper']);
  expect(
    byModule
      .get('@harvester-ts/engine')
      ?.plugins.map((p) => p.export)
      .sort(),
  ).toEqual(['SharedFileMessenger', 'SimpleWorkerMaker']);
  expect(byModule.get('@harvester-ts/communicator-spool')?.configured).toBe(true);
  expect(r.packages.every((p) => p.plugins.every((x) => x.compatible))).toBe(true);
});
