// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the templates and scripts here use sh parameter expansion
// Templates: syntax, checks at plugin creation, values escaped or refused, the setup blocks.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instantiatePlugin, PluginDefinitionError } from '@harvester-ts/core';
import { makeJobSpec, makeWorkSpec, testPluginContext } from '@harvester-ts/testkit';
import {
  arraySetupBlock,
  DEFAULT_TEMPLATE_PATH,
  formatValue,
  insertSetupBlock,
  PLACEHOLDERS,
  parseTemplate,
  RenderError,
  renderTemplate,
  SlurmSubmitter,
  shQuote,
  singleSetupBlock,
  slurmSubmitterOptions,
  symbolicPerTask,
  templateProblems,
  unsafePathProblem,
  workerPlaceholders,
} from '../src/index.js';

const options = (extra: Record<string, unknown> = {}) =>
  slurmSubmitterOptions.parse({ executable: ['sh', '/opt/harvester-worker.sh'], ...extra });

describe('template syntax', () => {
  it('fills {name}; {{ and }} are braces; ${...} and other braces are the shell’s', () => {
    const t = parseTemplate(
      '#!/bin/sh\n#SBATCH -N {nNode}\necho {{workerID}} ${HOME} ${a:-${b}} { true; } {a,b} {workerID}\n',
    );
    expect([...t.used.keys()]).toEqual(['nNode', 'workerID']);
    expect(t.used.get('workerID')).toEqual([3]);
    expect(t.inDirectives.get('nNode')).toEqual([2]);
    expect(renderTemplate(t, { nNode: 2, workerID: 17 })).toBe(
      '#!/bin/sh\n#SBATCH -N 2\necho {workerID} ${HOME} ${a:-${b}} { true; } {a,b} 17\n',
    );
  });

  it('refuses unknown placeholders at once, naming them, their lines and a likely meaning', () => {
    const t = parseTemplate('#!/bin/sh\n#SBATCH -c {nCorPerNode}\necho {accesPoint} {nosuch}\n');
    const problems = templateProblems(t, { submitMode: 'single', options: {} });
    expect(problems).toEqual([
      "unknown placeholder {nCorPerNode} on line 2 (did you mean 'nCorePerNode'?)",
      "unknown placeholder {accesPoint} on line 3 (did you mean 'accessPoint'?)",
      'unknown placeholder {nosuch} on line 3',
    ]);
  });

  it('needs #!, the options some placeholders come from, and refuses #SBATCH lines that change arrays or waiting', () => {
    const t = parseTemplate('#SBATCH --array=0-3\n#SBATCH -N 1 -W\ncd {logDir}; {tokenDir}\n');
    expect(templateProblems(t, { submitMode: 'single', options: {} })).toEqual([
      'the first line must start with #! (sbatch refuses scripts without an interpreter line)',
      'placeholder {logDir} on line 3 needs the option logDir',
      'placeholder {tokenDir} on line 3 needs the option tokenDir',
      'line 1: #SBATCH --array=0-3 is not allowed (the submitter decides arrays, waiting and clusters)',
      'line 2: #SBATCH -W is not allowed (the submitter decides arrays, waiting and clusters)',
    ]);
  });

  it('in array mode, per-worker placeholders cannot be in #SBATCH lines', () => {
    const t = parseTemplate(
      '#!/bin/sh\n#SBATCH --comment={workerID}\n#SBATCH -c {nCoreTotal}\ncd {accessPoint}\n',
    );
    expect(templateProblems(t, { submitMode: 'single', options: {} })).toEqual([]);
    expect(templateProblems(t, { submitMode: 'array', options: {} })).toEqual([
      expect.stringContaining('placeholder {workerID} is in an #SBATCH line (line 2)'),
    ]);
  });

  it('the shipped default template is valid in both modes and uses only known placeholders', async () => {
    const text = await readFile(DEFAULT_TEMPLATE_PATH, 'utf8');
    const t = parseTemplate(text);
    expect(templateProblems(t, { submitMode: 'single', options: {} })).toEqual([]);
    expect(templateProblems(t, { submitMode: 'array', options: {} })).toEqual([]);
    for (const name of t.used.keys()) expect(PLACEHOLDERS[name]).toBeDefined();
  });
});

describe('values', () => {
  it('numbers are non-negative integers, paths absolute and plain, words plain', () => {
    expect(formatValue('nNode', 'integer', 3)).toBe('3');
    expect(() => formatValue('nNode', 'integer', 1.5)).toThrow(RenderError);
    expect(() => formatValue('nNode', 'integer', -1)).toThrow(/nNode/);
    expect(formatValue('accessPoint', 'path', '/data/hv/00/12')).toBe('/data/hv/00/12');
    for (const bad of [
      'rel/dir',
      '/a b',
      '/a/../b',
      '/a;rm -rf',
      '/a$(x)',
      "/a'b",
      '/a\nb',
      '/a%j',
      '/a`b`',
    ]) {
      expect(() => formatValue('accessPoint', 'path', bad)).toThrow(RenderError);
    }
    expect(formatValue('computingSite', 'word', 'CERN-PROD_MCORE')).toBe('CERN-PROD_MCORE');
    expect(formatValue('jobType', 'word', '')).toBe('');
    for (const bad of ['a b', 'a;b', '$(id)', '`id`', 'a|b', 'a&b', 'a>b', "it's", 'a"b', 'a*', 'x\ny']) {
      expect(() => formatValue('computingSite', 'word', bad)).toThrow(/not safe in a shell script/);
    }
    expect(formatValue('executable', 'argv', ['sh', "/opt/it's here/w.sh"])).toBe(
      `'sh' '/opt/it'\\''s here/w.sh'`,
    );
    expect(formatValue('accessPoint', 'path', { symbolic: '${HARVESTER_ACCESS_POINT}' })).toBe(
      '${HARVESTER_ACCESS_POINT}',
    );
  });

  it('shQuote survives sh', () => {
    const nasty = `a'b"c$d\`e\\f g\nh`;
    const r = spawnSync('sh', ['-c', `printf %s ${shQuote(nasty)}`], { encoding: 'utf8' });
    expect(r.stdout).toBe(nasty);
  });

  it('a value that is not safe fails the render naming its placeholder', () => {
    const t = parseTemplate('#!/bin/sh\necho {computingSite}\n');
    try {
      renderTemplate(t, { computingSite: 'X; rm -rf /' });
      throw new Error('rendered');
    } catch (err) {
      expect(err).toBeInstanceOf(RenderError);
      expect((err as RenderError).placeholder).toBe('computingSite');
      expect((err as Error).message).toContain('{computingSite}');
    }
  });

  it('unsafePathProblem says what is wrong', () => {
    expect(unsafePathProblem('/data/x')).toBeUndefined();
    expect(unsafePathProblem('data/x')).toBe('is not an absolute path');
    expect(unsafePathProblem('/data/x y')).toMatch(/characters/);
    expect(unsafePathProblem('/data/./x')).toMatch(/components/);
  });
});

describe('the placeholder map (Harvester’s make_placeholder_map)', () => {
  it('computes cores, nodes, memory, disk and time like Harvester', () => {
    const w = makeWorkSpec({
      workerID: 12,
      harvesterID: 'hv',
      accessPoint: '/data/hv/12',
      computingSite: 'SITE_A',
      nCore: 8,
      jobType: 'managed',
      resourceType: 'MCORE',
      jobs: [makeJobSpec({ PandaID: 5, prodSourceLabel: 'managed' })],
    });
    w.minRamCount = 16000;
    w.maxDiskCount = 2000;
    w.maxWalltime = 3601;
    w.pilotType = 'PR';
    const { values, task } = workerPlaceholders(
      w,
      options({
        nCorePerNode: 4,
        nCoreFactor: { managed: { MCORE: 2 } },
        logDir: '/logs',
        logBaseURL: 'https://h/logs',
      }),
      {
        harvesterId: 'hv',
        queueName: 'SITE_A_Q',
        submitMode: 'single',
        now: new Date(Date.UTC(2026, 10, 21, 7)),
      },
    );
    expect(values).toMatchObject({
      nCorePerNode: 4,
      nCoreTotal: 16,
      nCoreFactor: 2,
      nNode: 2,
      requestRam: 32000,
      requestRamBytes: 16000 * 2 ** 20 * 2,
      requestRamPerCore: 2000,
      requestRamBytesPerCore: 2000 * 2 ** 20,
      requestDisk: 2048000,
      requestWalltime: 3601,
      requestWalltimeMinute: 61,
      requestCputime: 3601 * 8,
      requestCputimeMinute: Math.ceil((3601 * 8) / 60),
      accessPoint: '/data/hv/12',
      workerID: 12,
      batchName: 'hv-12',
      harvesterID: 'hv',
      computingSite: 'SITE_A',
      pandaQueueName: 'SITE_A_Q',
      localQueueName: 'grid',
      jobType: 'managed',
      resourceType: 'MCORE',
      pilotType: 'PR',
      submitMode: 'single',
      logDir: '/logs',
      logSubDir: '/logs/26-11-21_07',
      gtag: 'unknown', // the stdout is in the access point, not under logDir
      executable: ['sh', '/opt/harvester-worker.sh'],
    });
    expect(task).toEqual({
      workerID: 12,
      accessPoint: '/data/hv/12',
      batchName: 'hv-12',
      nCore: 16,
      gtag: 'unknown',
    });
  });

  it('defaults: one node with the worker’s cores, 1 MB per core, disk 1, no time limit', () => {
    const w = makeWorkSpec({ workerID: 3, harvesterID: 'hv', accessPoint: '/data/logs/3', nCore: 2 });
    const { values } = workerPlaceholders(
      w,
      options({ logDir: '/data/logs', logBaseURL: 'https://web/l/' }),
      {
        harvesterId: 'hv',
        queueName: undefined,
        submitMode: 'array',
      },
    );
    expect(values).toMatchObject({
      nCorePerNode: 2,
      nCoreTotal: 2,
      nNode: 1,
      requestRam: 2,
      requestRamPerCore: 1,
      requestDisk: 1,
      requestWalltime: 0,
      requestWalltimeMinute: 0,
      jobType: '',
      prodSourceLabel: '',
      pandaQueueName: 'TEST_QUEUE',
      gtag: 'https://web/l/3/harvester-slurm.out',
    });
    const symbolic = symbolicPerTask(values);
    expect(symbolic.accessPoint).toEqual({ symbolic: '${HARVESTER_ACCESS_POINT}' });
    expect(symbolic.workerID).toEqual({ symbolic: '${HARVESTER_WORKER_ID}' });
    expect(symbolic.nCoreTotal).toBe(2);
  });
});

describe('setup blocks', () => {
  it('go after the #SBATCH directives, before the first command', () => {
    const script = '#!/bin/sh\n#SBATCH -N 1\n\n# a comment\n#SBATCH -c 2\nexec true\necho after\n';
    expect(insertSetupBlock(script, 'BLOCK\n')).toBe(
      '#!/bin/sh\n#SBATCH -N 1\n\n# a comment\n#SBATCH -c 2\nBLOCK\nexec true\necho after\n',
    );
    expect(insertSetupBlock('#!/bin/sh\n#SBATCH -N 1\n', 'B\n')).toBe('#!/bin/sh\n#SBATCH -N 1\nB\n');
  });

  it('a single script enters its worker’s access point; an array script picks the worker by task id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slurm-template-'));
    try {
      const tasks = [0, 1, 2].map((i) => ({
        workerID: 100 + i,
        accessPoint: join(dir, `w${i}`),
        batchName: `hv-${100 + i}`,
        nCore: 1 + i,
        gtag: 'unknown',
      }));
      for (const t of tasks) await import('node:fs/promises').then((fs) => fs.mkdir(t.accessPoint));
      const body = 'echo "$HARVESTER_WORKER_ID $HARVESTER_BATCH_NAME $HARVESTER_NCORE $(pwd)"\n';
      const single = insertSetupBlock(`#!/bin/sh\n${body}`, singleSetupBlock("h'v", tasks[1]!));
      const r1 = spawnSync('sh', ['-c', single], { encoding: 'utf8' });
      expect(r1.stdout.trim()).toBe(`101 hv-101 2 ${tasks[1]!.accessPoint}`);

      const array = insertSetupBlock(`#!/bin/sh\n${body}`, arraySetupBlock('hv', tasks));
      await writeFile(join(dir, 'a.sh'), array);
      const r2 = spawnSync('sh', [join(dir, 'a.sh')], {
        encoding: 'utf8',
        env: { ...process.env, SLURM_ARRAY_TASK_ID: '2' },
      });
      expect(r2.status).toBe(0);
      // The array task's output goes into its worker's access point.
      expect((await readFile(join(tasks[2]!.accessPoint, 'harvester-slurm.out'), 'utf8')).trim()).toBe(
        `102 hv-102 3 ${tasks[2]!.accessPoint}`,
      );
      const r3 = spawnSync('sh', [join(dir, 'a.sh')], {
        encoding: 'utf8',
        env: { ...process.env, SLURM_ARRAY_TASK_ID: '7' },
      });
      expect(r3.status).toBe(2);
      expect(r3.stderr).toContain('no worker for array task 7');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('SlurmSubmitter creation checks the template (config validate catches it)', () => {
  const where = {
    queue: 'Q',
    section: 'submitter',
    module: '@harvester-ts/slurm',
    exportName: 'SlurmSubmitter',
  };
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slurm-template-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a template with an unknown placeholder, naming it', async () => {
    const file = join(dir, 'bad.sh');
    await writeFile(
      file,
      '#!/bin/sh\n#SBATCH -c {nCorePerNod}\nexec {executable} "$HARVESTER_ACCESS_POINT"\n',
    );
    const attempt = instantiatePlugin(
      SlurmSubmitter,
      'submitter',
      { executable: ['sh', '/w.sh'], templateFile: file },
      testPluginContext(),
      where,
    );
    await expect(attempt).rejects.toBeInstanceOf(PluginDefinitionError);
    await expect(attempt).rejects.toThrow(
      /unknown placeholder \{nCorePerNod\} on line 2 \(did you mean 'nCorePerNode'\?\)/,
    );
  });

  it('refuses a template file that does not exist', async () => {
    await expect(
      instantiatePlugin(
        SlurmSubmitter,
        'submitter',
        { executable: ['sh', '/w.sh'], templateFile: join(dir, 'missing.sh') },
        testPluginContext(),
        where,
      ),
    ).rejects.toThrow(/cannot read the template/);
  });

  it('creates a submitter with the default template', async () => {
    const submitter = await instantiatePlugin(
      SlurmSubmitter,
      'submitter',
      { executable: ['sh', '/w.sh'] },
      testPluginContext(),
      where,
    );
    expect(typeof submitter.submitWorkers).toBe('function');
  });
});
