// Records sent besides job updates, what is read back, options validation and chunking.
import { validateOptions } from '@harvester-ts/core';
import { makeJobSpec, makeWorkSpec } from '@harvester-ts/testkit';
import {
  backoffDelay,
  chunkBy,
  chunkByWeight,
  pandaCommunicatorOptions,
  pandaDialogRecord,
  pandaWorkerRecord,
  parseCommand,
  parsePandaTime,
  usableJobDicts,
} from '../src/index.js';

describe('pandaWorkerRecord (convert_to_propagate)', () => {
  it('sends set columns, datetime/ times, pandaid_list, log URLs and the supplemental error', () => {
    const w = makeWorkSpec({
      workerID: 7,
      status: 'failed',
      batchID: '123.0',
      computingSite: 'SITE_A',
      nCore: 8,
      submitTime: new Date('2026-03-04T05:06:07.089Z'),
      jobs: [makeJobSpec({ PandaID: 1001 }), makeJobSpec({ PandaID: 1002 })],
    });
    w.startTime = null;
    w.errorCode = 1234;
    w.errorDiag = 'node went away';
    w.diagMessage = 'batch said no';
    w.workAttributes = {
      stdout: 'https://logs/out.txt',
      stderr: '/local/err.txt',
      batch_log: 'http://logs/b.log',
    };
    const rec = pandaWorkerRecord(w);
    expect(rec).toMatchObject({
      workerID: 7,
      batchID: '123.0',
      status: 'failed',
      computingSite: 'SITE_A',
      nCore: 8,
      submitTime: 'datetime/2026-03-04 05:06:07.089000',
      errorCode: 1234,
      diagMessage: 'node went away',
      pandaid_list: [1001, 1002],
      stdOut: 'https://logs/out.txt',
      batchLog: 'http://logs/b.log',
    });
    expect(rec).not.toHaveProperty('startTime');
    expect(rec).not.toHaveProperty('stdErr');
    expect(rec).not.toHaveProperty('errorDiag');
  });

  it('dialogs carry creationTime as %Y-%m-%d %H:%M:%S.%f', () => {
    expect(
      pandaDialogRecord({
        diagID: 3,
        moduleName: 'propagator',
        identifier: null,
        creationTime: new Date('2026-01-01T00:00:00.5Z'),
        lockTime: null,
        messageLevel: 'ERROR',
        lockedBy: null,
        diagMessage: 'x',
      }),
    ).toEqual({
      diagID: 3,
      moduleName: 'propagator',
      identifier: null,
      creationTime: '2026-01-01 00:00:00.500000',
      messageLevel: 'ERROR',
      diagMessage: 'x',
    });
  });
});

describe('what is read back', () => {
  it('job dictionaries without an object shape or a PandaID are dropped and described without their content', () => {
    const { jobs, dropped } = usableJobDicts([
      { PandaID: 1 },
      { PandaID: '2' },
      null,
      { jobName: 'x', secrets: '{"token": "s3cr3t"}' },
      [1],
      'secret-string',
      { PandaID: { secrets: 's3cr3t' } },
      { PandaID: -5 },
      { PandaID: 'abc' },
    ]);
    expect(jobs).toEqual([{ PandaID: 1 }, { PandaID: '2' }]);
    expect(dropped).toEqual([
      '#2: not an object but null',
      '#3: no usable PandaID (missing); keys: jobName, secrets',
      '#4: not an object but a list of 1',
      '#5: not an object but a string of 13 characters',
      '#6: no usable PandaID (an object); keys: PandaID',
      '#7: no usable PandaID (-5); keys: PandaID',
      '#8: no usable PandaID (a string of 3 characters); keys: PandaID',
    ]);
    expect(dropped.join()).not.toMatch(/s3cr3t|secret-string/);
  });

  it('commands: snake_case fields, JSON-string params, server times', () => {
    expect(
      parseCommand({
        command_id: 5,
        command: 'KILL_WORKERS',
        params: '{"status": ["submitted"]}',
        ack_requested: true,
        creation_date: '2026-02-03 04:05:06',
      }),
    ).toEqual({
      commandID: 5,
      command: 'KILL_WORKERS',
      params: { status: ['submitted'] },
      ackRequested: true,
      creationDate: new Date('2026-02-03T04:05:06Z'),
    });
    expect(parseCommand({ command: 'X' })).toMatch(/no usable command_id/);
    expect(parsePandaTime('datetime/2026-02-03 04:05:06.123456')).toEqual(
      new Date('2026-02-03T04:05:06.123Z'),
    );
    expect(parsePandaTime('yesterday')).toBeNull();
  });
});

describe('options', () => {
  it('defaults', async () => {
    const r = await validateOptions(pandaCommunicatorOptions, { url: 'https://panda.example.org:25443/' });
    expect(r).toEqual({
      ok: true,
      value: {
        url: 'https://panda.example.org:25443',
        api: 'v1',
        auth: { type: 'none' },
        hostAuth: {},
        timeoutSeconds: 180,
        callDeadlineSeconds: 270,
        maxResponseBytes: 256 * 1024 * 1024,
        maxRetries: 3,
        retryBaseDelayMs: 1000,
        nConnections: 5,
        updateJobsChunkSize: 100,
        checkJobsChunkSize: 100,
        eventRangesChunkSize: 5120,
      },
    });
  });

  it('errors name the option path', async () => {
    const r = await validateOptions(
      pandaCommunicatorOptions,
      {
        url: 'ftp://x',
        auth: { type: 'oidc', origin: 'atlas', tokenEnv: 'A', tokenFile: '/t' },
        hostAuth: { 'cache.example.org:443': { type: 'x509', certFile: '/c' } },
        nConnections: 0,
      },
      'communicator',
    );
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'communicator.url',
        'communicator.auth.tokenEnv',
        'communicator.hostAuth.cache.example.org:443.keyFile',
        'communicator.nConnections',
      ]),
    );
    const origin = await validateOptions(
      pandaCommunicatorOptions,
      { url: 'https://x', auth: { type: 'oidc', origin: 'atlas\r\nX: 1', tokenEnv: 'T' } },
      'communicator',
    );
    expect(origin.ok ? [] : origin.issues.map((i) => i.path)).toEqual(['communicator.auth.origin']);
    const typo = await validateOptions(pandaCommunicatorOptions, {
      url: 'https://x',
      auth: { type: 'oidc', origin: 'atlas', tokenfile: '/t' },
    });
    expect(typo.ok).toBe(false);
  });
});

describe('chunks and backoff', () => {
  it('chunks keep order', () => {
    const ids = Array.from({ length: 250 }, (_, i) => i);
    const chunks = chunkBy(ids, 100);
    expect(chunks.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(chunks.flat()).toEqual(ids);
    expect(chunkByWeight([3, 3, 5, 1, 9], 6, (n) => n)).toEqual([[3, 3], [5, 1], [9]]);
  });

  it('backoff doubles with jitter in [0.5, 1) and is capped', () => {
    expect(backoffDelay(1, 1000, () => 0)).toBe(500);
    expect(backoffDelay(3, 1000, () => 0.999)).toBe(3998);
    expect(backoffDelay(20, 1000, () => 0)).toBe(15_000);
  });
});
