// Parsers and argv builders on literal outputs from batch-cli-formats.md part A.
import {
  batchNamesConstraint,
  classAdString,
  clusterDescription,
  condorHistoryArgv,
  condorQArgv,
  condorRmArgv,
  condorSubmitArgv,
  condorSubmitterOptions,
  formatSubmissionHost,
  jobIdsConstraint,
  jobOwnership,
  loadTargets,
  parseCondorJobId,
  parseJobActionOutput,
  parseJobAdsJson,
  parseSubmissionHost,
  parseSubmitNormal,
  parseSubmitTerse,
  partLineRanges,
  pickTarget,
  SCHEDD_UNREACHABLE,
  SUBMIT_PERMANENT,
  submitErrorSite,
} from '../src/index.js';

describe('condor_submit output', () => {
  it('-terse: one range line per cluster (A2)', () => {
    expect(parseSubmitTerse('1234.0 - 1234.0\n')).toEqual([{ cluster: 1234, proc: 0 }]);
    expect(parseSubmitTerse('1234.0 - 1234.2\n')).toEqual([
      { cluster: 1234, proc: 0 },
      { cluster: 1234, proc: 1 },
      { cluster: 1234, proc: 2 },
    ]);
    expect(parseSubmitTerse('7.0 - 7.1\n8.0 - 8.0\n')).toHaveLength(3);
  });

  it('-terse: anything else is unreadable', () => {
    expect(parseSubmitTerse('')).toBeUndefined();
    expect(parseSubmitTerse('Submitting job(s).\n1 job(s) submitted to cluster 6.\n')).toBeUndefined();
    expect(parseSubmitTerse('1234.0 - 1235.0\n')).toBeUndefined();
    expect(parseSubmitTerse('1234.3 - 1234.1\n')).toBeUndefined();
  });

  it('the normal form (what Harvester reads), warnings from the schedd included (A2)', () => {
    expect(parseSubmitNormal('Submitting job(s).\n1 job(s) submitted to cluster 6.\n')).toEqual([
      { count: 1, cluster: 6 },
    ]);
    expect(
      parseSubmitNormal(
        'Submitting job(s).\nWARNING: Committed job submission into the queue with the following warning:\nWARNING: As of <date>, the minimum requested memory will be 1024.\n\n1 job(s) submitted to cluster 452.\n',
      ),
    ).toEqual([{ count: 1, cluster: 452 }]);
    expect(parseSubmitNormal('Submitting job(s)...\n3 job(s) submitted to cluster 1234.\n')).toEqual([
      { count: 3, cluster: 1234 },
    ]);
  });

  it.each([
    [
      '\nERROR: on Line 3 of submit file: invalid queue statement.\n\nERROR: Failed to parse command file (line 3).\n',
      true,
    ],
    ['\nERROR: "x.sub" doesn\'t contain any "queue" commands -- no jobs queued\n', true],
    ["\nERROR: No 'executable' parameter was provided\n", true],
    ['ERROR: Parse error in expression: \n\tfoo = (1 +\n', true],
    // A name that does not resolve can be a passing DNS failure: retried.
    ['condor_submit: unknown host schedd01.example.org\n', false],
    ['\nERROR: Invalid log file: "/logs/25-01-02_13/grid.7.0.log" (No such file or directory)\n', true],
    ['\nERROR: No such directory: /data/ap/9\n', true],
    [
      '\nERROR: Failed to connect to local queue manager\nCEDAR:6001:Failed to connect to <127.0.0.1:9618>\n',
      false,
    ],
    ["\nERROR: Can't find address of local schedd\n", false],
    ['\nERROR: Failed to commit job submission into the queue.\nERROR: something\n', false],
  ])('classifies %j (permanent: %s)', (stderr, permanent) => {
    expect(!SCHEDD_UNREACHABLE.test(stderr) && SUBMIT_PERMANENT.test(stderr)).toBe(permanent);
  });

  it('where an error points: a line of the file, an initialdir, a log file', () => {
    expect(
      submitErrorSite(
        '\nERROR: on Line 27 of /ap/1/harvester-condor-cluster.sub: invalid queue statement.\n\nERROR: Failed to parse command file (line 27).\n',
      ),
    ).toEqual({ line: 27 });
    expect(submitErrorSite('\nERROR: No such directory: /data/ap/9\n')).toEqual({ directory: '/data/ap/9' });
    expect(
      submitErrorSite('\nERROR: Invalid log file: "/logs/x/grid.7.0.log" (No such file or directory)\n'),
    ).toEqual({ logFile: '/logs/x/grid.7.0.log' });
    expect(submitErrorSite('\nERROR: Failed to commit job submission into the queue.\n')).toEqual({});
  });

  it('the lines of each worker’s part in the cluster description', () => {
    const parts = ['a = 1\nqueue 1\n', 'b = 2\nc = 3\nqueue 1\n', 'd = 4\nqueue 1\n'];
    const text = clusterDescription(parts, 'header\nwith a newline');
    const lines = text.split('\n');
    const ranges = partLineRanges(parts);
    expect(ranges).toEqual([
      { first: 3, last: 4 },
      { first: 6, last: 8 },
      { first: 10, last: 11 },
    ]);
    ranges.forEach((r, i) => {
      expect(lines.slice(r.first - 1, r.last).join('\n')).toBe((parts[i] as string).trimEnd());
    });
  });
});

/** The JSON example of A3, complete. */
const A3_JSON = `[
{
  "Args": "60",
  "ClusterId": 1234,
  "Cmd": "/home/alice/job.sh",
  "EnteredCurrentStatus": 1700000100,
  "ExitBySignal": false,
  "GlobalJobId": "submit.example.com#1234.0#1700000000",
  "Iwd": "/home/alice",
  "JobStatus": 4,
  "Owner": "alice",
  "ProcId": 0,
  "Requirements": "\\/Expr((TARGET.Arch == \\"X86_64\\") && (TARGET.OpSys == \\"LINUX\\"))\\/",
  "ServerTime": 1700000200
}
,
{
  "ClusterId": 1234,
  "ExitCode": 0,
  "JobStatus": 4,
  "ProcId": 1,
  "RequestDisk": "\\/Expr(DiskUsage)\\/",
  "SomethingNew": { "nested": [1, 2] }
}
]
`;

describe('condor_q / condor_history -json', () => {
  it('reads the A3 layout; \\/Expr(...)\\/ values become expressions; unknown attributes are kept', () => {
    const parsed = parseJobAdsJson(A3_JSON);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.garbage).toEqual([]);
    expect(parsed.ads).toHaveLength(2);
    expect(parsed.ads[0]).toMatchObject({
      ClusterId: 1234,
      ProcId: 0,
      JobStatus: 4,
      EnteredCurrentStatus: 1700000100,
      ExitBySignal: false,
    });
    expect(parsed.ads[0]?.raw.Requirements).toEqual({
      expr: '(TARGET.Arch == "X86_64") && (TARGET.OpSys == "LINUX")',
    });
    expect(parsed.ads[1]).toMatchObject({ ProcId: 1, ExitCode: 0 });
    expect(parsed.ads[1]?.raw.RequestDisk).toEqual({ expr: 'DiskUsage' });
    expect(parsed.ads[1]?.raw.SomethingNew).toEqual({ nested: [1, 2] });
  });

  it('nothing matched: condor_q prints nothing, condor_history [ ] or [\\n]', () => {
    for (const empty of ['', '\n', '[\n]\n', '[ ]', '[]']) {
      expect(parseJobAdsJson(empty)).toEqual({ ok: true, ads: [], garbage: [] });
    }
  });

  it('attribute names are case-insensitive; an expression ExitCode is not a number', () => {
    const parsed = parseJobAdsJson(
      '[{"clusterid": 5, "PROCID": 2, "jobstatus": 2, "ExitCode": "\\/Expr(undefined)\\/"}]',
    );
    expect(parsed.ok && parsed.ads[0]).toMatchObject({
      ClusterId: 5,
      ProcId: 2,
      JobStatus: 2,
      ExitCode: { expr: 'undefined' },
    });
  });

  it('garbage is reported, never guessed', () => {
    expect(parseJobAdsJson('-- Failed to fetch ads from: <1.2.3.4:9618> : host\n')).toMatchObject({
      ok: false,
    });
    expect(parseJobAdsJson('{"ClusterId": 1}')).toMatchObject({
      ok: false,
      diag: expect.stringContaining('not a JSON array'),
    });
    expect(parseJobAdsJson('[\n{\n  "ClusterId": 1\n')).toMatchObject({ ok: false });
    const partial = parseJobAdsJson('[{"ClusterId": 1, "ProcId": 0}, {"JobStatus": 2}, 7]');
    expect(partial).toMatchObject({ ok: true, garbage: ['{"JobStatus":2}', '7'] });
  });
});

describe('condor_rm / condor_hold / condor_release output (A7)', () => {
  it('per-id lines on stdout and stderr', () => {
    const r = parseJobActionOutput(
      'Job 1234.0 marked for removal\nJob 1234.3 marked for removal after file transfer\nJob 1234.4 removed locally (remote state unknown)\n',
      '\nJob 1234.1 not found\nJob 1234.2 already marked for removal\nPermission denied to remove job 99.0\n',
    );
    expect(Object.fromEntries([...r.perJob].map(([id, x]) => [id, x.kind]))).toEqual({
      '1234.0': 'done',
      '1234.3': 'done',
      '1234.4': 'done',
      '1234.1': 'notFound',
      '1234.2': 'alreadyDone',
      '99.0': 'denied',
    });
    expect(r.queueEmpty).toBe(false);
  });

  it('hold and release lines; an empty queue', () => {
    const r = parseJobActionOutput(
      'Job 5.0 held\nJob 6.0 released\n',
      'Job 7.0 already held\nJob 8.0 not held to be released\n',
    );
    expect([...r.perJob.values()].map((x) => x.kind)).toEqual(['done', 'done', 'alreadyDone', 'other']);
    expect(parseJobActionOutput('', 'condor_rm:0:There are no jobs in the queue\n').queueEmpty).toBe(true);
  });
});

describe('ids, constraints and argv', () => {
  it('batchIDs', () => {
    expect(parseCondorJobId('1234.5')).toEqual({ cluster: 1234, proc: 5 });
    expect(parseCondorJobId('1234')).toEqual({ cluster: 1234, proc: 0 });
    for (const bad of [null, undefined, '', '12_3', 'x.1', '1.2.3', '0.1'])
      expect(parseCondorJobId(bad)).toBeUndefined();
  });

  it('constraints select exactly the jobs asked about', () => {
    expect(jobIdsConstraint([{ cluster: 7, proc: 0 }])).toBe('(ClusterId == 7 && ProcId == 0)');
    expect(
      jobIdsConstraint([
        { cluster: 8, proc: 2 },
        { cluster: 7, proc: 1 },
        { cluster: 8, proc: 0 },
      ]),
    ).toBe('(ClusterId == 7 && ProcId == 1) || (ClusterId == 8 && member(ProcId, {0, 2}))');
    expect(batchNamesConstraint(['h-1', 'a"b\\c'])).toBe('member(JobBatchName, {"h-1", "a\\"b\\\\c"})');
    expect(() => classAdString('a\nb')).toThrow('control characters');
  });

  it('argv: -name/-pool, -remote for spooling to a named schedd (never `-remote -spool`)', () => {
    expect(condorSubmitArgv({}, '/ap/x.sub', false)).toEqual(['-terse', '-single-cluster', '/ap/x.sub']);
    expect(condorSubmitArgv({}, '/ap/x.sub', true)).toEqual([
      '-terse',
      '-single-cluster',
      '-spool',
      '/ap/x.sub',
    ]);
    expect(condorSubmitArgv({ schedd: 's1', pool: 'cm:9618' }, '/f', true)).toEqual([
      '-terse',
      '-single-cluster',
      '-remote',
      's1',
      '-pool',
      'cm:9618',
      '/f',
    ]);
    expect(condorQArgv({ schedd: 's1' }, 'C', ['ClusterId', 'ProcId'])).toEqual([
      '-name',
      's1',
      '-allusers',
      '-json',
      '-attributes',
      'ClusterId,ProcId',
      '-constraint',
      'C',
    ]);
    expect(condorHistoryArgv({}, 'C', ['JobStatus'], { match: 3 })).toEqual([
      '-json',
      '-attributes',
      'JobStatus',
      '-constraint',
      'C',
      '-match',
      '3',
    ]);
    // A3: -completedsince takes a time (epoch seconds); the scan ends at CompletionDate <= it.
    expect(condorHistoryArgv({}, 'C', ['JobStatus'], { match: 2, completedSince: 1_700_000_000.7 })).toEqual([
      '-json',
      '-attributes',
      'JobStatus',
      '-constraint',
      'C',
      '-match',
      '2',
      '-completedsince',
      '1700000000',
    ]);
    expect(condorRmArgv({ pool: 'p' }, ['1.0', '1.1'])).toEqual(['-pool', 'p', '1.0', '1.1']);
  });

  it('submissionHost, Harvester style', () => {
    expect(formatSubmissionHost({})).toBe('LOCAL');
    expect(formatSubmissionHost({ schedd: 's', pool: 'p' })).toBe('s,p');
    expect(formatSubmissionHost({ schedd: 's' })).toBe('s,');
    expect(parseSubmissionHost('LOCAL')).toEqual({});
    expect(parseSubmissionHost(null)).toEqual({});
    expect(parseSubmissionHost('s,p')).toEqual({ schedd: 's', pool: 'p' });
    expect(parseSubmissionHost('s,None')).toEqual({ schedd: 's' });
    expect(parseSubmissionHost('s')).toEqual({ schedd: 's' });
  });

  it('the schedd of a worker is a weighted, deterministic function of its workerID', async () => {
    const targets = await loadTargets(
      condorSubmitterOptions.parse({
        condorHostConfig: { a: { pool: 'p', weight: 3 }, b: { weight: 1 }, c: { weight: 0 } },
      }),
    );
    const counts: Record<string, number> = {};
    for (let id = 1; id <= 4000; id++) {
      const t = pickTarget(targets, id);
      counts[t.schedd ?? 'local'] = (counts[t.schedd ?? 'local'] ?? 0) + 1;
      expect(pickTarget(targets, id)).toEqual(t);
    }
    expect(counts.c).toBeUndefined();
    expect(counts.a! / 4000).toBeGreaterThan(0.7);
    expect(counts.a! / 4000).toBeLessThan(0.8);
    expect(pickTarget(targets, 1).pool === 'p' || pickTarget(targets, 1).schedd === 'b').toBe(true);
    const listed = await loadTargets(
      condorSubmitterOptions.parse({ condorSchedd: ['x', 'y'], condorPool: ['px', 'py'] }),
    );
    expect(listed).toEqual([
      { schedd: 'x', pool: 'px', weight: 1 },
      { schedd: 'y', pool: 'py', weight: 1 },
    ]);
    expect(await loadTargets(condorSubmitterOptions.parse({}))).toEqual([{ weight: 1 }]);
  });
});

describe('whose job', () => {
  it('mine only with this harvester’s id and the worker’s id (a number, or a string as Harvester writes it)', () => {
    expect(jobOwnership({ harvesterID: 'h1', harvesterWorkerID: 7 }, 7, 'h1')).toBe('mine');
    expect(jobOwnership({ harvesterID: 'h1', harvesterWorkerID: ' 7' }, 7, 'h1')).toBe('mine');
    expect(jobOwnership({ harvesterID: 'h2', harvesterWorkerID: 7 }, 7, 'h1')).toBe('foreign');
    expect(jobOwnership({ harvesterID: 'h1', harvesterWorkerID: 8 }, 7, 'h1')).toBe('foreign');
    expect(jobOwnership({ harvesterWorkerID: 7 }, 7, 'h1')).toBe('unproven');
    expect(jobOwnership({}, 7, 'h1')).toBe('unproven');
  });
});
