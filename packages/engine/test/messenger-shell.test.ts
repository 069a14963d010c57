// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are full of shell and Harvester ${...} placeholders
// The pure parts of the shared-file messenger: shell quoting and jobPars splitting, path rules,
// the accessPoint template, and the options schema.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Adler32,
  acceptReportedPath,
  accessPointRoot,
  accessPointTemplateProblems,
  expandAccessPoint,
  lfnProblem,
  renderEnvFile,
  resolveUnder,
  ShellValueError,
  sharedFileMessengerOptionsSchema,
  shellQuote,
  splitShellWords,
  UnsafePathError,
} from '../src/messenger/index.js';
import { makeTempDir } from './fixtures/worker/support.js';

const HOSTILE = ["'; rm -rf / #", '$(id)', '`id`', 'a b\tc', 'it\'s "quoted" \\ back', '${HOME}', '*', '~'];

/** Sources an env file with /bin/sh and prints each named variable as JSON-safe hex. */
function sourceAndRead(file: string, names: string[]): Record<string, string> {
  const script = `. "$1"; shift; for n in "$@"; do eval "v=\\$$n"; printf '%s=' "$n"; printf '%s' "$v" | od -An -v -tx1 | tr -d ' \\n'; echo; done`;
  const r = spawnSync('/bin/sh', ['-c', script, 'sh', file, ...names], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  const out: Record<string, string> = {};
  for (const line of r.stdout.trim().split('\n')) {
    const [name, hex = ''] = line.split('=');
    out[name as string] = Buffer.from(hex, 'hex').toString('utf8');
  }
  return out;
}

describe('shellQuote and renderEnvFile', () => {
  it('single-quotes values so that sh reads back exactly the same bytes', async () => {
    const tmp = await makeTempDir();
    try {
      const canary = join(tmp.dir, 'canary');
      const values = [...HOSTILE, `$(touch ${canary})`, `\`touch ${canary}\``, 'line1\nline2', ''];
      const entries = values.map((v, i): [string, string] => [`V${i}`, v]);
      const file = join(tmp.dir, 'job.env');
      await writeFile(file, renderEnvFile(entries, 'test'));
      const back = sourceAndRead(
        file,
        entries.map(([n]) => n),
      );
      for (const [name, value] of entries) expect(back[name]).toBe(value);
      expect(existsSync(canary)).toBe(false);
    } finally {
      await tmp.remove();
    }
  });

  it("writes ' as '\\'' and refuses NUL", () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(() => shellQuote('a\0b')).toThrow(ShellValueError);
    expect(() => renderEnvFile([['1BAD', 'x']])).toThrow(/invalid variable name/);
  });
});

describe('splitShellWords (jobPars → argv, nothing expanded)', () => {
  it.each<[string, string[]]>([
    ['', []],
    ['  a   b\tc\nd ', ['a', 'b', 'c', 'd']],
    [`--x 'a b' "c d"`, ['--x', 'a b', 'c d']],
    [`'it'"'"'s'`, ["it's"]],
    [`"say \\"hi\\"" a\\ b`, ['say "hi"', 'a b']],
    [`"\\$HOME \\\\ \\x"`, ['$HOME \\ \\x']],
    [
      `$(id) \`id\` \${HOME} *.root ~ a;b | c && d > e # f`,
      ['$(id)', '`id`', '${HOME}', '*.root', '~', 'a;b', '|', 'c', '&&', 'd', '>', 'e', '#', 'f'],
    ],
    [`'' ""`, ['', '']],
    ['a\\\nb', ['ab']],
    ['trailing\\', ['trailing\\']],
    [`--preExec 'from x import y; y.z = "q"'`, ['--preExec', 'from x import y; y.z = "q"']],
  ])('splits %j', (input, expected) => {
    expect(splitShellWords(input)).toEqual(expected);
  });

  it('agrees with sh on quoting when nothing is expandable', () => {
    const input = `a 'b c' "d 'e'" f\\ g "h\\"i" 'j"k' l\\'m`;
    const r = spawnSync('/bin/sh', ['-c', `for a in ${input}; do printf '%s\\n' "$a"; done`], {
      encoding: 'utf8',
    });
    expect(splitShellWords(input)).toEqual(r.stdout.trimEnd().split('\n'));
  });

  it('refuses unterminated quotes and NUL', () => {
    expect(() => splitShellWords(`a 'b`)).toThrow(/unterminated single quote/);
    expect(() => splitShellWords(`a "b`)).toThrow(/unterminated double quote/);
    expect(() => splitShellWords('a\0')).toThrow(/NUL/);
  });
});

describe('path rules', () => {
  it('accepts ordinary LFNs and refuses unsafe ones', () => {
    expect(lfnProblem('EVNT.12345._000001.pool.root.1')).toBeUndefined();
    expect(lfnProblem('log.12345._000001.job.log.tgz.1')).toBeUndefined();
    expect(lfnProblem('../etc/passwd')).toMatch(/'\/'/);
    expect(lfnProblem('..')).toMatch(/'\.\.'/);
    expect(lfnProblem('/abs')).toMatch(/'\/'/);
    expect(lfnProblem('a\nb')).toMatch(/newline/);
    expect(lfnProblem('a\0b')).toMatch(/NUL/);
    expect(lfnProblem('-rf')).toMatch(/'-'/);
    expect(lfnProblem('a b')).toMatch(/characters/);
    expect(lfnProblem("x';id;'")).toMatch(/characters/);
    expect(lfnProblem('')).toMatch(/empty/);
  });

  it('resolveUnder refuses escapes and names the path', () => {
    expect(resolveUnder('/r/ap', 'a/b.txt')).toBe('/r/ap/a/b.txt');
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a\nb', 'a\0b', '', '.']) {
      let error: unknown;
      try {
        resolveUnder('/r/ap', bad);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(UnsafePathError);
      expect((error as UnsafePathError).path).toBe(bad);
      expect((error as Error).message).toContain(JSON.stringify(bad));
    }
  });

  it('acceptReportedPath takes absolute paths only under the root', () => {
    expect(acceptReportedPath('/r/ap', '/r/ap/123', '/r/ap/123/out')).toBe('/r/ap/123/out');
    expect(acceptReportedPath('/r/ap', '/r/ap/123', 'out')).toBe('/r/ap/123/out');
    expect(() => acceptReportedPath('/r/ap', '/r/ap', '/r/apx/out')).toThrow(/not under \/r\/ap/);
    expect(() => acceptReportedPath('/r/ap', '/r/ap', '/r/ap/../x')).toThrow(/'\.\.'/);
    expect(() => acceptReportedPath('/r/ap', '/r/ap', '/r/ap')).toThrow(UnsafePathError);
  });
});

describe('accessPoint template', () => {
  it('expands ${workerID}, ${harvesterID} and ${_workerID_a.b} digit selection as Harvester does', () => {
    const t = '/data/${harvesterID}/${_workerID_3.2}/${_workerID_1.0}/${workerID}';
    expect(expandAccessPoint(t, { workerID: 12345, harvesterID: 'hv' })).toBe('/data/hv/23/45/12345');
    expect(expandAccessPoint(t, { workerID: 7, harvesterID: 'hv' })).toBe('/data/hv/00/07/7');
    expect(accessPointRoot(t, 'hv')).toBe('/data/hv');
    expect(accessPointRoot('/a/b/w-${workerID}', 'hv')).toBe('/a/b');
  });

  it('refuses ${batchID}, unknown placeholders, relative paths, templates without ${workerID}', () => {
    expect(accessPointTemplateProblems('/data/${workerID}')).toEqual([]);
    expect(accessPointTemplateProblems('/data/${batchID}/${workerID}').join()).toMatch(
      /\$\{batchID\} is not known when the access point is set up/,
    );
    expect(accessPointTemplateProblems('/data/${queue}/${workerID}').join()).toMatch(
      /unknown placeholder \$\{queue\}/,
    );
    expect(accessPointTemplateProblems('data/${workerID}').join()).toMatch(/absolute/);
    expect(accessPointTemplateProblems('/data/x').join()).toMatch(/must contain \$\{workerID\}/);
    expect(accessPointTemplateProblems('/${workerID}').join()).toMatch(/fixed parent directory/);
    expect(accessPointTemplateProblems('/data/../${workerID}').join()).toMatch(/'\.\.'/);
    expect(accessPointTemplateProblems('/data/${workerID').join()).toMatch(/unterminated/);
  });

  it('the options schema reports the accessPoint problems with their path', () => {
    const r = sharedFileMessengerOptionsSchema.safeParse({ accessPoint: '/data/${batchID}/${workerID}' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['accessPoint']);
    expect(r.error?.issues[0]?.message).toMatch(/batchID/);
    const missing = sharedFileMessengerOptionsSchema.safeParse({});
    expect(missing.error?.issues[0]?.message).toMatch(/required/);
  });

  it('defaults to Harvester file names, takes overrides, refuses names with a slash', () => {
    const ok = sharedFileMessengerOptionsSchema.parse({
      accessPoint: '/d/${workerID}',
      jobSpecFile: 'pandaJobData.out',
      worker_heartbeat: 10,
      module: 'ignored',
    });
    expect(ok.jobSpecFile).toBe('pandaJobData.out');
    expect(ok.workerAttributesFile).toBe('worker_attributes.json');
    expect(ok.eventStatusDumpJsonFile).toBe('event_status.dump.json');
    expect(ok.killWorkerFile).toBe('kill_worker.json');
    expect(ok.xmlPoolCatalogFile).toBe('PoolFileCatalog_H.xml');
    expect(ok.worker_heartbeat).toBe(10);
    const bad = sharedFileMessengerOptionsSchema.safeParse({
      accessPoint: '/d/${workerID}',
      heartbeatFile: '../hb',
    });
    expect(bad.error?.issues[0]?.path).toEqual(['heartbeatFile']);
    const badHb = sharedFileMessengerOptionsSchema.safeParse({
      accessPoint: '/d/${workerID}',
      worker_heartbeat: 0,
    });
    expect(badHb.success).toBe(false);
  });
});

describe('Adler32', () => {
  it('matches known values', () => {
    expect(new Adler32().update(Buffer.from('Wikipedia')).hex()).toBe('11e60398');
    expect(new Adler32().hex()).toBe('00000001');
    const big = Buffer.alloc(100_000, 0xff);
    const whole = new Adler32().update(big).hex();
    const parts = new Adler32().update(big.subarray(0, 33_333)).update(big.subarray(33_333)).hex();
    expect(parts).toBe(whole);
  });
});
