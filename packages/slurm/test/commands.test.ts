// argv builders and output parsers, on outputs of Slurm 22.05 (batch-cli-formats.md part B and
// what the one-node test cluster printed).
import {
  CONTROLLER_DOWN,
  decodeWaitStatus,
  describeFailure,
  formatSlurmJobId,
  isListableJobName,
  latestRecord,
  nativeExitCodeOf,
  parseExitPair,
  parseSacctOutput,
  parseSbatchParsable,
  parseScancelErrors,
  parseScontrolOutput,
  parseSlurmJobId,
  parseSqueueOutput,
  FIELD_SEPARATOR as S,
  SBATCH_PERMANENT,
  sacctJobsArgv,
  sacctNamesArgv,
  sbatchArgv,
  scancelArgv,
  scontrolShowJobArgv,
  slurmProgram,
  squeueJobsArgv,
  squeueNamesArgv,
} from '../src/index.js';

/** A line as `squeue --Format=jobarrayid:0␟,state:0␟,exit_code:0␟,nodelist:0␟,reason:0␟,name:0␟` prints it. */
const squeueLine = (...fields: string[]) => `${fields.join(S)}${S}`;

// The one-line record of batch-cli-formats.md B4 (job `--wrap "exit 3"`).
const SCONTROL_FAILED =
  'JobId=4 JobName=rprobe-fail UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901756 Nice=0 Account=(null) QOS=(null) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=3:0 RunTime=00:00:00 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-21T06:05:15 EligibleTime=2026-11-21T06:05:15 AccrueTime=2026-11-21T06:05:15 StartTime=2026-11-21T06:05:16 EndTime=2026-11-21T06:05:16 Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-21T06:05:16 Scheduler=Main Partition=debug AllocNode:Sid=localhost:4368 ReqNodeList=(null) ExcNodeList=(null) NodeList=vm BatchHost=vm NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=YES Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkDir=<workdir> StdErr=<workdir>/rprobe-fail-4.out StdIn=/dev/null StdOut=<workdir>/rprobe-fail-4.out Power= \n';

// A pending task of a held array, as `scontrol -o show job 51_1` printed it (22.05.8).
const SCONTROL_ARRAY_TASK =
  'JobId=51 ArrayJobId=51 ArrayTaskId=1 JobName=probe-heldarr UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=0 Nice=0 Account=(null) QOS=(null) JobState=PENDING Reason=JobHeldUser Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:00 TimeLimit=UNLIMITED NodeList= NumNodes=1 Power= \n';

describe('batchIDs', () => {
  it('reads <jobid> and <jobid>_<index>, nothing else', () => {
    expect(parseSlurmJobId('1234')).toEqual({ jobId: 1234 });
    expect(parseSlurmJobId('45_3')).toEqual({ jobId: 45, arrayIndex: 3 });
    for (const bad of [
      null,
      undefined,
      '',
      '0',
      '12.0',
      '12_',
      '_3',
      '12_[0-3]',
      '1234;cluster',
      ' 12',
      'abc',
      '12.batch',
    ]) {
      expect(parseSlurmJobId(bad)).toBeUndefined();
    }
    expect(formatSlurmJobId({ jobId: 45, arrayIndex: 3 })).toBe('45_3');
    expect(formatSlurmJobId({ jobId: 7 })).toBe('7');
  });

  it('job names for --name lists have no comma, space or control character', () => {
    expect(isListableJobName('harvester-12')).toBe(true);
    for (const bad of ['', 'a,b', 'a b', 'a\nb', `a${S}b`]) expect(isListableJobName(bad)).toBe(false);
  });
});

describe('sbatch', () => {
  it('builds the argv: --parsable, name, output, error, chdir, then options, extraArgs and the script', () => {
    expect(
      sbatchArgv({
        jobName: 'hv-7',
        output: '/ap/7/harvester-slurm.out',
        error: '/ap/7/harvester-slurm.err',
        chdir: '/ap/7',
        partition: 'debug',
        account: 'atlas',
        qos: 'normal',
        extraArgs: ['--exclusive', '--constraint=haswell'],
        script: '/ap/7/harvester-slurm.sh',
      }),
    ).toEqual([
      '--parsable',
      '--job-name=hv-7',
      '--output=/ap/7/harvester-slurm.out',
      '--error=/ap/7/harvester-slurm.err',
      '--chdir=/ap/7',
      '--partition=debug',
      '--account=atlas',
      '--qos=normal',
      '--exclusive',
      '--constraint=haswell',
      '/ap/7/harvester-slurm.sh',
    ]);
    expect(
      sbatchArgv({ jobName: 'a', output: '/o', error: '/e', chdir: '/', arraySize: 50, script: '/s' }),
    ).toContain('--array=0-49');
  });

  it('reads the job id of --parsable, with or without a cluster', () => {
    expect(parseSbatchParsable('1234\n')).toEqual({ jobId: 1234 });
    expect(parseSbatchParsable('1234;harvester\n')).toEqual({ jobId: 1234, cluster: 'harvester' });
    // A warning line before the id does not hide it.
    expect(parseSbatchParsable('sbatch: warning: something\n56\n')).toEqual({ jobId: 56 });
    for (const bad of ['', '\n', 'Submitted batch job 2\n', '12 13\n', 'abc\n', '0\n']) {
      expect(parseSbatchParsable(bad)).toBeUndefined();
    }
  });

  it('tells permanent errors from the controller being away', () => {
    const permanent = [
      'sbatch: unrecognized option \'--bogus\'\nTry "sbatch --help" for more information',
      'sbatch: error: Invalid --time specification',
      'sbatch: error: invalid partition specified: nosuch\nsbatch: error: Batch job submission failed: Invalid partition name specified',
      'sbatch: error: Memory specification can not be satisfied\nsbatch: error: Batch job submission failed: Requested node configuration is not available',
      'sbatch: error: This does not look like a batch script.  The first\nsbatch: error: line must start with #! followed by the path to an interpreter.',
      'sbatch: error: Unable to open file /nonexistent.sh',
      'sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified',
      'sbatch: error: Batch job submission failed: Requested time limit is invalid (missing or exceeds some limit)',
    ];
    for (const text of permanent) expect([text, SBATCH_PERMANENT.test(text)]).toEqual([text, true]);
    const down =
      'sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)';
    expect(CONTROLLER_DOWN.test(down)).toBe(true);
    expect(SBATCH_PERMANENT.test(down)).toBe(false);
  });
});

describe('squeue', () => {
  it('asks for every state, array tasks one per line, all partitions, with a separator that cannot occur', () => {
    const argv = squeueJobsArgv(['43', '45_1']);
    expect(argv).toEqual([
      '--noheader',
      '--array',
      '--states=all',
      '--all',
      '--jobs=43,45_1',
      `--Format=jobarrayid:0${S},state:0${S},exit_code:0${S},nodelist:0${S},reason:0${S},name:0${S}`,
    ]);
    expect(squeueNamesArgv(['hv-1', 'hv-2'])).toContain('--name=hv-1,hv-2');
  });

  it('reads state, exit status (a wait status), node list, reason and name', () => {
    // As squeue 22.05.8 printed them on the test cluster.
    const out = [
      squeueLine('43', 'COMPLETED', '0', 'vm', 'None', 'probe-ok'),
      squeueLine('44', 'FAILED', '768', 'vm', 'NonZeroExitCode', 'probe-fail'),
      squeueLine('46', 'FAILED', '9', 'vm', 'JobLaunchFailure', 'probe-kill'),
      squeueLine('45_1', 'RUNNING', '0', 'vm', 'None', 'probe-arr'),
      squeueLine('51_2', 'PENDING', '0', '', 'JobHeldUser', 'probe-heldarr'),
      squeueLine('7', 'TIMEOUT', '15', 'vm', 'TimeLimit', 'name with spaces, commas|pipes'),
      '',
    ].join('\n');
    const { records, garbage } = parseSqueueOutput(out);
    expect(garbage).toEqual([]);
    expect(records).toEqual([
      {
        id: '43',
        state: 'COMPLETED',
        exit: { code: 0, signal: 0 },
        nodeList: 'vm',
        name: 'probe-ok',
        source: 'squeue',
      },
      {
        id: '44',
        state: 'FAILED',
        exit: { code: 3, signal: 0 },
        nodeList: 'vm',
        reason: 'NonZeroExitCode',
        name: 'probe-fail',
        source: 'squeue',
      },
      {
        id: '46',
        state: 'FAILED',
        exit: { code: 0, signal: 9 },
        nodeList: 'vm',
        reason: 'JobLaunchFailure',
        name: 'probe-kill',
        source: 'squeue',
      },
      {
        id: '45_1',
        state: 'RUNNING',
        exit: { code: 0, signal: 0 },
        nodeList: 'vm',
        name: 'probe-arr',
        source: 'squeue',
      },
      {
        id: '51_2',
        state: 'PENDING',
        exit: { code: 0, signal: 0 },
        reason: 'JobHeldUser',
        name: 'probe-heldarr',
        source: 'squeue',
      },
      {
        id: '7',
        state: 'TIMEOUT',
        exit: { code: 0, signal: 15 },
        nodeList: 'vm',
        reason: 'TimeLimit',
        name: 'name with spaces, commas|pipes',
        source: 'squeue',
      },
    ]);
  });

  it('reports lines it cannot read instead of guessing', () => {
    const out = [
      squeueLine('43', 'COMPLETED', '0', 'vm', 'None', 'ok'),
      '43 COMPLETED None', // the -o '%i %T %r' format: not ours
      squeueLine('12_[0-49]', 'PENDING', '0', '', 'None', 'collapsed'), // a range, not one task
      squeueLine('44', 'completed', '0', 'vm', 'None', 'x'), // no such state spelling
      `44${S}FAILED${S}768`, // cut short
      'slurm_load_jobs error: Unable to contact slurm controller (connect failure)',
    ].join('\n');
    const { records, garbage } = parseSqueueOutput(out);
    expect(records.map((r) => r.id)).toEqual(['43']);
    expect(garbage).toHaveLength(5);
  });

  it('decodes exit_code as a wait status', () => {
    expect(decodeWaitStatus('0')).toEqual({ code: 0, signal: 0 });
    expect(decodeWaitStatus('768')).toEqual({ code: 3, signal: 0 });
    expect(decodeWaitStatus('9')).toEqual({ code: 0, signal: 9 });
    expect(decodeWaitStatus('15')).toEqual({ code: 0, signal: 15 });
    expect(decodeWaitStatus('-2')).toBeUndefined(); // NO_VAL printed as a signed int
    expect(decodeWaitStatus('')).toBeUndefined();
    expect(decodeWaitStatus('N/A')).toBeUndefined();
  });
});

describe('sacct', () => {
  it('asks for allocations only, parsable with the separator, by id or by name since a time', () => {
    expect(sacctJobsArgv(['12', '45_3'])).toEqual([
      '--noheader',
      '--parsable2',
      `--delimiter=${S}`,
      '--allocations',
      '--jobs=12,45_3',
      '--format=JobID,State,ExitCode,NodeList,Reason,JobName',
    ]);
    const byName = sacctNamesArgv(['hv-1'], new Date(2026, 10, 20, 8, 5, 9));
    expect(byName).toContain('--name=hv-1');
    expect(byName).toContain('--starttime=2026-11-20T08:05:09');
  });

  it('reads states including "CANCELLED by <uid>", N:S exit codes, and skips step and range lines', () => {
    const line = (...f: string[]) => f.join(S);
    const out = [
      line('12', 'COMPLETED', '0:0', 'node01', 'None', 'hv-1'),
      line('13', 'CANCELLED by 1000', '0:15', 'node02', 'None', 'hv-2'),
      line('14', 'OUT_OF_MEMORY', '0:125', 'node03', 'OutOfMemory', 'hv-3'),
      line('45_3', 'TIMEOUT', '0:15', 'node04', 'TimeLimit', 'hv-4'),
      line('15.batch', 'COMPLETED', '0:0', 'node01', '', ''),
      line('16_[0-49]', 'PENDING', '0:0', 'None assigned', 'Priority', 'hv-arr'),
      line('17', 'NODE_FAIL', '1:0', 'node05', 'None', 'hv-5'),
      '',
    ].join('\n');
    const { records, garbage } = parseSacctOutput(out);
    expect(garbage).toEqual([]);
    expect(records.map((r) => [r.id, r.state, r.exit, r.reason, r.nodeList])).toEqual([
      ['12', 'COMPLETED', { code: 0, signal: 0 }, undefined, 'node01'],
      ['13', 'CANCELLED by 1000', { code: 0, signal: 15 }, undefined, 'node02'],
      ['14', 'OUT_OF_MEMORY', { code: 0, signal: 125 }, 'OutOfMemory', 'node03'],
      ['45_3', 'TIMEOUT', { code: 0, signal: 15 }, 'TimeLimit', 'node04'],
      ['17', 'NODE_FAIL', { code: 1, signal: 0 }, undefined, 'node05'],
    ]);
  });

  it('reports the fixed-width default format as garbage', () => {
    // Harvester's `sacct --jobs=<id>` output: not what the plugin asks for.
    const out = '2            wrap      debug     (null)          1  COMPLETED      0:0 \n';
    const { records, garbage } = parseSacctOutput(out);
    expect(records).toEqual([]);
    expect(garbage).toEqual([out.slice(0, -1)]);
  });
});

describe('scontrol', () => {
  it('builds `scontrol --oneliner show job <id>`', () => {
    expect(scontrolShowJobArgv('45_2')).toEqual(['--oneliner', 'show', 'job', '45_2']);
  });

  it('reads the one-line record of batch-cli-formats.md B4', () => {
    expect(parseScontrolOutput(SCONTROL_FAILED)).toEqual({
      records: [
        {
          id: '4',
          state: 'FAILED',
          reason: 'NonZeroExitCode',
          exit: { code: 3, signal: 0 },
          nodeList: 'vm',
          name: 'rprobe-fail',
          source: 'scontrol',
        },
      ],
      garbage: [],
    });
  });

  it('names an array task <ArrayJobId>_<ArrayTaskId> and skips a pending range', () => {
    const { records } = parseScontrolOutput(SCONTROL_ARRAY_TASK);
    expect(records).toEqual([
      {
        id: '51_1',
        state: 'PENDING',
        reason: 'JobHeldUser',
        exit: { code: 0, signal: 0 },
        name: 'probe-heldarr',
        source: 'scontrol',
      },
    ]);
    const range = SCONTROL_ARRAY_TASK.replace('ArrayTaskId=1', 'ArrayTaskId=1-49');
    expect(parseScontrolOutput(range)).toEqual({ records: [], garbage: [] });
    expect(parseScontrolOutput('slurm_load_jobs error: Invalid job id specified\n').garbage).toHaveLength(1);
  });

  it('reads N:S exit codes; a signal gives 128 + the signal', () => {
    expect(parseExitPair('3:0')).toEqual({ code: 3, signal: 0 });
    expect(parseExitPair('0:9')).toEqual({ code: 0, signal: 9 });
    expect(parseExitPair('')).toBeUndefined();
    expect(parseExitPair('3')).toBeUndefined();
    expect(nativeExitCodeOf({ code: 3, signal: 0 })).toBe(3);
    expect(nativeExitCodeOf({ code: 0, signal: 9 })).toBe(137);
    expect(nativeExitCodeOf({ code: 0, signal: 15 })).toBe(143);
  });
});

describe('scancel', () => {
  it('passes the ids as they are and reads per-id errors', () => {
    expect(scancelArgv(['12', '45_3'])).toEqual(['12', '45_3']);
    const stderr = [
      'scancel: error: Kill job error on job id 999999: Invalid job id specified',
      'scancel: error: Kill job error on job id 45_3: Job/step already completing or completed',
      'scancel: error: Kill job error on job id 12: Access/permission denied',
    ].join('\n');
    expect([...parseScancelErrors(stderr)]).toEqual([
      ['999999', 'Invalid job id specified'],
      ['45_3', 'Job/step already completing or completed'],
      ['12', 'Access/permission denied'],
    ]);
  });
});

describe('running', () => {
  it('finds the tools in slurmBinDir or on PATH', () => {
    expect(slurmProgram('squeue', undefined)).toBe('squeue');
    expect(slurmProgram('squeue', '/opt/slurm/bin')).toBe('/opt/slurm/bin/squeue');
  });

  it('describes a failure by how the command ended and its stderr', () => {
    const base = { signal: null, stdout: '', timedOut: false };
    expect(
      describeFailure('squeue', {
        ...base,
        code: 1,
        stderr: 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n',
      }),
    ).toBe(
      'squeue exited with code 1: slurm_load_jobs error: Unable to contact slurm controller (connect failure)',
    );
    expect(describeFailure('sbatch', { ...base, code: null, stderr: '', timedOut: true }, 60_000)).toBe(
      'sbatch timed out after 60 s',
    );
    expect(describeFailure('sacct', { ...base, code: null, stderr: '', error: 'spawn sacct ENOENT' })).toBe(
      'sacct could not be run: spawn sacct ENOENT',
    );
  });

  it('picks the latest of several jobs with one name', () => {
    const r = (id: string) => ({ id, state: 'RUNNING', source: 'squeue' as const });
    expect(latestRecord([r('12'), r('40'), r('31_2')])?.id).toBe('40');
    expect(latestRecord([])).toBeUndefined();
  });
});
