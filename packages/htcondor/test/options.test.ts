// Option schemas: defaults, Harvester's names, what is refused and what is accepted and ignored.
import { instantiatePlugin } from '@harvester-ts/core';
import { createRecordingLogger, testPluginContext } from '@harvester-ts/testkit';
import {
  condorMonitorOptions,
  condorSubmitterOptions,
  condorSweeperOptions,
  HTCondorMonitor,
  HTCondorSubmitter,
  IGNORED_MONITOR_OPTIONS,
} from '../src/index.js';

const where = (section: string, exportName: string) => ({
  queue: 'Q',
  section,
  module: '@harvester-ts/htcondor',
  exportName,
});

describe('submitter options', () => {
  it('defaults; keys of the common section pass', () => {
    const o = condorSubmitterOptions.parse({ executable: ['sh', '/w.sh'], nQueueLimitWorker: 10 });
    expect(o).toMatchObject({
      executable: ['sh', '/w.sh'],
      useSpool: false,
      nProcesses: 4,
      nCoreFactor: 1,
      commandTimeoutSeconds: 60,
      commandTimeouts: {},
      condorEnv: {},
    });
    expect(o.templateFile).toBeUndefined();
    expect(o.condorBinDir).toBeUndefined();
  });

  it("accepts the app's Harvester HTCondor queue (harvester-modules.test.ts) unchanged", () => {
    const r = condorSubmitterOptions.safeParse({
      useSpool: false,
      templateFile: '/opt/harvester/etc/htcondor-ce.sdf',
      executableFile: '/opt/harvester/etc/runpilot3-wrapper.sh',
      x509UserProxy: '/data/harvester/x509up_prod',
      logDir: '/data/harvester/condor_logs',
      logBaseURL: 'https://harvester.example.org/condor_logs',
      nProcesses: 8,
      executable: ['sh', '/opt/harvester-worker.sh'],
    });
    expect(r.success).toBe(true);
  });

  it.each([
    [{ CEtemplateDir: '/etc/t' }, 'CEtemplateDir', 'give templateFile'],
    [{ useCRICGridCE: true }, 'useCRICGridCE', 'CE selection from CRIC'],
    [{ x509UserProxyAnalysis: '/p' }, 'x509UserProxyAnalysis', 'one queue per credential'],
    [{ rcPilotRandomWeightPermille: 10 }, 'rcPilotRandomWeightPermille', 'release-candidate'],
    [{ logBaseURL: 'https://x/y' }, 'logBaseURL', 'needs logDir'],
    [{ condorHostConfig: {}, condorSchedd: 's' }, 'condorHostConfig', 'not both'],
    [{ condorSchedd: ['a', 'b', 'c'], condorPool: ['p', 'q'] }, 'condorPool', 'must pair'],
    [{ condorSchedd: '-spool' }, 'condorSchedd', ''],
    [{ logDir: 'relative' }, 'logDir', 'absolute'],
  ])('refuses %j', (input, path, message) => {
    const r = condorSubmitterOptions.safeParse(input);
    expect(r.success).toBe(false);
    const issue = r.error?.issues.find((i) => i.path[0] === path);
    expect(issue?.message).toContain(message);
  });

  it('Harvester options that change nothing harmful are accepted, and their being ignored is logged', async () => {
    expect(condorSubmitterOptions.safeParse({ useCRIC: false, rcPilotRandomWeightPermille: 0 }).success).toBe(
      true,
    );
    const logger = createRecordingLogger();
    await instantiatePlugin(
      HTCondorSubmitter,
      'submitter',
      { executable: ['sh', '/w.sh'], minBulkToRandomizedSchedd: 20 },
      testPluginContext({ logger }),
      where('submitter', 'HTCondorSubmitter'),
    );
    expect(logger.records).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: 'Harvester option accepted and ignored',
        fields: expect.objectContaining({ option: 'minBulkToRandomizedSchedd' }),
      }),
    );
  });
});

describe('monitor options', () => {
  it('defaults: heldTimeout 3600, Harvester’s hold reasons, history always (1 h slack), unknown → retried', () => {
    const o = condorMonitorOptions.parse({ useCondorHistoryMaxAge: 7200 });
    expect(o).toMatchObject({
      heldTimeout: 3600,
      removeHoldReasons: ['Job not found', 'Failed to start GAHP'],
      useCondorHistory: true,
      historySlackSeconds: 3600,
      unknownGraceSeconds: 600,
      // Harvester's cancelUnknown defaults to False: the worker is left as it is.
      unknownJobStatus: 'retry',
    });
    // useCondorHistoryMaxAge is accepted and ignored (logged): the history is always asked.
    expect(IGNORED_MONITOR_OPTIONS.useCondorHistoryMaxAge).toContain('every job condor_q no longer lists');
  });

  it("Harvester's cancelUnknown: true → cancelled, false → retry (None); not with unknownJobStatus", () => {
    expect(condorMonitorOptions.parse({ cancelUnknown: true }).unknownJobStatus).toBe('cancelled');
    expect(condorMonitorOptions.parse({ cancelUnknown: false, heldTimeout: 3600 }).unknownJobStatus).toBe(
      'retry',
    );
    expect(condorMonitorOptions.safeParse({ cancelUnknown: true, unknownJobStatus: 'failed' }).success).toBe(
      false,
    );
  });

  it('the host refuses a bad value with its path', async () => {
    await expect(
      instantiatePlugin(
        HTCondorMonitor,
        'monitor',
        { heldTimeout: -1 },
        testPluginContext(),
        where('monitor', 'HTCondorMonitor'),
      ),
    ).rejects.toThrow('heldTimeout');
  });
});

describe('sweeper options', () => {
  it('defaults', () => {
    expect(condorSweeperOptions.parse({})).toMatchObject({
      checkJobBeforeSweep: true,
      commandTimeoutSeconds: 60,
    });
    expect(condorSweeperOptions.safeParse({ commandTimeouts: { condor_rm: 5, condor_x: 1 } }).success).toBe(
      false,
    );
  });
});
