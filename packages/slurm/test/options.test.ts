// Option schemas: defaults, extraArgs validation, what the host refuses.
import { instantiatePlugin, PluginOptionsError } from '@harvester-ts/core';
import { testPluginContext } from '@harvester-ts/testkit';
import {
  extraArgProblem,
  SlurmSubmitter,
  SlurmSweeper,
  slurmMonitorOptions,
  slurmSubmitterOptions,
  slurmSweeperOptions,
} from '../src/index.js';

const where = {
  queue: 'Q',
  section: 'submitter',
  module: '@harvester-ts/slurm',
  exportName: 'SlurmSubmitter',
};

describe('submitter options', () => {
  it('defaults, and keys of the common section are accepted', () => {
    const o = slurmSubmitterOptions.parse({ executable: ['sh', '/w.sh'], nQueueLimitWorker: 10 });
    expect(o).toMatchObject({
      executable: ['sh', '/w.sh'],
      extraArgs: [],
      submitMode: 'single',
      maxArraySize: 1000,
      submitConcurrency: 4,
      localQueueName: 'grid',
      nCoreFactor: 1,
      commandTimeoutSeconds: 60,
      commandTimeouts: {},
    });
    expect(o.templateFile).toBeUndefined();
    expect(o.slurmBinDir).toBeUndefined();
  });

  it.each([
    ['--exclusive'],
    ['--constraint=haswell'],
    ['--mem=4G'],
    ['--time=1'],
    ['--gres=gpu:1'],
    ['--export=NONE'],
    ['--mail-type=END,FAIL'],
    ['--nodelist=node01,node02'],
  ])('extraArgs accepts %s', (token) => {
    expect(extraArgProblem(token)).toBeUndefined();
  });

  it.each([
    ['-N', 'not of the form'],
    ['--comment=a b', 'not of the form'],
    ['--comment=$(id)', 'not of the form'],
    ['--comment=a;b', 'not of the form'],
    ["--comment='x'", 'not of the form'],
    ['--constraint=a&b', 'not of the form'],
    ['--nodelist=node[1-4]', 'not of the form'],
    ['--job-name=x', 'set by the submitter itself (--job-name)'],
    ['--job=x', 'set by the submitter itself (--job-name)'],
    ['--output=/tmp/x', 'set by the submitter itself (--output)'],
    ['--out=/tmp/x', 'set by the submitter itself (--output)'],
    ['--error=/tmp/x', 'set by the submitter itself (--error)'],
    ['--parsable', 'set by the submitter itself (--parsable)'],
    ['--array=0-3', 'set by the submitter itself (--array)'],
    ['--arr=0-3', 'set by the submitter itself (--array)'],
    ['--chdir=/', 'set by the submitter itself (--chdir)'],
    ['--wrap=true', 'set by the submitter itself (--wrap)'],
    ['--wait', 'set by the submitter itself (--wait)'],
    ['--clusters=x', 'set by the submitter itself (--clusters)'],
    ['--partition=x', 'through the option partition'],
    ['--account=x', 'through the option account'],
    ['--qos=x', 'through the option qos'],
  ])('extraArgs refuses %s', (token, why) => {
    expect(extraArgProblem(token)).toContain(why);
  });

  it('the host refuses bad options, naming the option', async () => {
    const bad = async (options: Record<string, unknown>, path: RegExp) => {
      const attempt = instantiatePlugin(SlurmSubmitter, 'submitter', options, testPluginContext(), where);
      await expect(attempt).rejects.toBeInstanceOf(PluginOptionsError);
      await expect(attempt).rejects.toThrow(path);
    };
    await bad({}, /executable/);
    await bad({ executable: [] }, /executable/);
    await bad({ executable: ['sh'], extraArgs: ['--output=/x'] }, /extraArgs\.0/);
    await bad({ executable: ['sh'], partition: 'a b' }, /partition/);
    await bad({ executable: ['sh'], templateFile: 'relative.sh' }, /templateFile/);
    await bad({ executable: ['sh'], submitMode: 'bulk' }, /submitMode/);
    await bad({ executable: ['sh'], logBaseURL: 'https://h/x' }, /logBaseURL/);
    await bad({ executable: ['sh'], commandRunner: 'execFile' }, /commandRunner/);
    await bad({ executable: ['sh'], commandTimeouts: { sbtach: 3 } }, /commandTimeouts/);
  });
});

describe('monitor and sweeper options', () => {
  it('defaults', () => {
    expect(slurmMonitorOptions.parse({})).toMatchObject({
      useSacct: 'auto',
      unknownGraceSeconds: 600,
      unknownJobStatus: 'failed',
      scontrolConcurrency: 8,
      commandTimeoutSeconds: 60,
    });
    expect(slurmSweeperOptions.parse({ anythingCommon: 1 })).toMatchObject({ checkJobBeforeSweep: true });
  });

  it('a sweeper instance has all three methods', async () => {
    const sweeper = await instantiatePlugin(SlurmSweeper, 'sweeper', {}, testPluginContext(), {
      ...where,
      section: 'sweeper',
      exportName: 'SlurmSweeper',
    });
    expect(typeof sweeper.killWorkers).toBe('function');
    expect(typeof sweeper.killWorker).toBe('function');
    expect(typeof sweeper.sweepWorker).toBe('function');
  });
});
