// Templates (placeholders, checks at creation) and the submit language as the submitter writes it.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { instantiatePlugin, PluginOptionsError } from '@harvester-ts/core';
import { makeWorkSpec } from '@harvester-ts/testkit';
import {
  argumentsValue,
  condorSubmitterOptions,
  DEFAULT_TEMPLATE_PATH,
  declaredPaths,
  HTCondorSubmitter,
  loadTemplate,
  logSubdirOf,
  parseTemplate,
  procBlock,
  RenderError,
  renderTemplate,
  resolveDeclaredPath,
  submitClassAdString,
  submitValue,
  templateProblems,
  withoutQueue,
  workerPlaceholders,
} from '../src/index.js';
import { ctxFor, makeRoot } from './helpers.js';

const OPTIONS = condorSubmitterOptions.parse({ executable: ['sh', '/opt/w.sh'] });

describe('the default template', () => {
  it('renders one worker with the values of its placeholders', async () => {
    const parsed = await loadTemplate(DEFAULT_TEMPLATE_PATH, OPTIONS);
    const worker = makeWorkSpec({ workerID: 42, harvesterID: 'h1', accessPoint: '/data/ap/42', nCore: 8 });
    worker.minRamCount = 16000;
    worker.maxDiskCount = 2000;
    worker.maxWalltime = 3600;
    const values = workerPlaceholders(worker, OPTIONS, {
      harvesterId: 'h1',
      queueName: 'Q',
      program: '/bin/sh',
      submissionHost: 'LOCAL',
    });
    const text = renderTemplate(parsed, values);
    expect(text).toContain('executable = /bin/sh\n');
    expect(text).toContain('arguments = "/opt/w.sh /data/ap/42"\n');
    expect(text).toContain('initialdir = /data/ap/42\n');
    expect(text).toContain('request_cpus = 8\nrequest_memory = 16000\nrequest_disk = 2048000\n');
    expect(text).toContain('+maxWallTime = 60\n');
    expect(text).toMatch(/queue 1\n$/);
    expect(withoutQueue(text)).not.toMatch(/^queue/m);
  });

  it('needs the executable option', async () => {
    await expect(loadTemplate(DEFAULT_TEMPLATE_PATH, condorSubmitterOptions.parse({}))).rejects.toThrow(
      'placeholder {executable} on line 6 needs the option executable',
    );
  });
});

describe('template checks', () => {
  const problems = (text: string, options = OPTIONS) => templateProblems(parseTemplate(text), options);

  it('an unknown placeholder is an error (with a suggestion), {{ }} are braces, ClassAd lists pass', () => {
    expect(problems('executable = /bin/true\n+x = "{harvesterId}"\nqueue\n')).toEqual([
      "unknown placeholder {harvesterId} on line 2 (did you mean 'harvesterID'?)",
    ]);
    expect(
      problems('executable = /bin/true\nrequirements = member(1, {1, 2})\n+y = "{{literal}}"\nqueue 1\n'),
    ).toEqual([]);
    expect(renderTemplate(parseTemplate('+y = "{{x}}"'), {})).toBe('+y = "{x}"');
  });

  it('Python format fields other than {name} are refused when the template is loaded, naming the form', () => {
    expect(
      problems(
        [
          'executable = /bin/true',
          '+a = "{harvesterID:>10}"',
          '+b = "{workerID!r}"',
          '+c = "{harvesterID.upper}"',
          '+d = "{arguments[0]}"',
          '+e = "{ workerID }"',
          'requirements = member(1, {1, 2}) && member("x", { "x", "y" })',
          'queue 1',
        ].join('\n'),
      ),
    ).toEqual([
      'line 2: {harvesterID:>10} is a Python format field with a format spec, which is not supported: write a plain {name} placeholder (or {{ and }} for literal braces)',
      'line 3: {workerID!r} is a Python format field with a conversion, which is not supported: write a plain {name} placeholder (or {{ and }} for literal braces)',
      'line 4: {harvesterID.upper} is a Python format field with an attribute, which is not supported: write a plain {name} placeholder (or {{ and }} for literal braces)',
      'line 5: {arguments[0]} is a Python format field with an index, which is not supported: write a plain {name} placeholder (or {{ and }} for literal braces)',
      'line 6: { workerID } is a Python format field with a name with spaces around it, which is not supported: write a plain {name} placeholder (or {{ and }} for literal braces)',
    ]);
  });

  it('an empty value is refused where it stands bare (condor_submit: not set, inherited from proc 0), not inside quotes', () => {
    const parsed = parseTemplate(
      [
        '# site {computingSite}',
        '+site = "{computingSite}"',
        'arguments = "-s \'{computingSite}\' -x"',
        '{customSubmitAttributes}',
        '+jobType = {jobType}',
        'queue 1',
      ].join('\n'),
    );
    const values = { computingSite: '', customSubmitAttributes: '', jobType: '' };
    expect(() => renderTemplate(parsed, values)).toThrow(
      'placeholder {jobType} on line 5 of the template is empty where it stands bare',
    );
    expect(renderTemplate(parsed, { ...values, jobType: 'managed' })).toBe(
      `# site \n+site = ""\narguments = "-s '' -x"\n\n+jobType = managed\nqueue 1`,
    );
    // In arguments and environment the outer "…" is the whole value: a bare word there shifts the others.
    expect(() =>
      renderTemplate(parseTemplate('environment = "A={resourceType} B=1"\n'), { resourceType: '' }),
    ).toThrow('placeholder {resourceType} on line 1');
  });

  it('placeholders whose option is missing', () => {
    expect(problems('x509userproxy = {x509UserProxy}\nlog = {logSubdir}/a.log\n')).toEqual([
      'placeholder {x509UserProxy} on line 1 needs the option x509UserProxy',
      'placeholder {logSubdir} on line 2 needs the option logDir',
    ]);
  });

  it('one worker per template: queue or queue 1, last; {arguments} is a whole value', () => {
    expect(problems('executable = /bin/true\nqueue 5\n')[0]).toContain(
      'may end with "queue" or "queue 1" only',
    );
    expect(problems('executable = /bin/true\nqueue x in (a, b)\n')[0]).toContain('may end with');
    expect(problems('executable = /bin/true\nqueue\nqueue\n')).toContain(
      'more than one queue statement (lines 2, 3)',
    );
    expect(problems('queue\nexecutable = /bin/true\n')).toEqual([
      "line 1: the queue statement must be the template's last command",
    ]);
    expect(problems('arguments = -x {arguments}\n')).toEqual([
      'line 1: {arguments} must be the whole value of an "arguments = {arguments}" line',
    ]);
    expect(problems('executable = /bin/true\n# queue 7 in a comment is fine\n')).toEqual([]);
  });

  it('the plugin refuses a bad template when it is created', async () => {
    const root = await makeRoot();
    const file = join(root, 't.sub');
    await writeFile(file, 'executable = {executable}\n+a = "{nosuch}"\nqueue 1\n');
    await expect(
      instantiatePlugin(
        HTCondorSubmitter,
        'submitter',
        { executable: ['sh', '/w.sh'], templateFile: file },
        ctxFor(),
        {
          queue: 'Q',
          section: 'submitter',
          module: '@harvester-ts/htcondor',
          exportName: 'HTCondorSubmitter',
        },
      ),
    ).rejects.toThrow('unknown placeholder {nosuch} on line 2');
    await expect(
      instantiatePlugin(HTCondorSubmitter, 'submitter', { executable: ['no-such-program-here'] }, ctxFor(), {
        queue: 'Q',
        section: 'submitter',
        module: '@harvester-ts/htcondor',
        exportName: 'HTCondorSubmitter',
      }),
    ).rejects.toThrow('cannot find "no-such-program-here"');
    expect(PluginOptionsError).toBeDefined();
  });

  it('values that are not safe in a submit description are refused, naming the placeholder', () => {
    const parsed = parseTemplate('initialdir = {accessPoint}\n+site = "{computingSite}"\n');
    expect(() => renderTemplate(parsed, { accessPoint: '/a b', computingSite: 'X' })).toThrow(RenderError);
    expect(() => renderTemplate(parsed, { accessPoint: '/a/../b', computingSite: 'X' })).toThrow(
      "'.' or '..'",
    );
    expect(() => renderTemplate(parsed, { accessPoint: '/a', computingSite: 'X"; +evil = 1' })).toThrow(
      'placeholder {computingSite}',
    );
    expect(() => renderTemplate(parsed, { accessPoint: '/a', computingSite: '$(ENV(HOME))' })).toThrow(
      '{computingSite}',
    );
    expect(renderTemplate(parsed, { accessPoint: '/a', computingSite: 'CERN-PROD_UCORE' })).toBe(
      'initialdir = /a\n+site = "CERN-PROD_UCORE"\n',
    );
  });

  it('{logSubdir} is the bare hour name (UTC), so templates write {logDir}/{logSubdir}/…', async () => {
    const options = condorSubmitterOptions.parse({
      executable: ['sh', '/opt/w.sh'],
      logDir: '/var/log/condor',
    });
    const worker = makeWorkSpec({ workerID: 3, harvesterID: 'h1', accessPoint: '/data/ap/3', nCore: 1 });
    const values = workerPlaceholders(worker, options, {
      harvesterId: 'h1',
      queueName: 'Q',
      program: '/bin/sh',
      submissionHost: 'LOCAL',
      now: new Date('2025-01-02T23:30:00-05:00'),
    });
    expect(values.logSubdir).toBe('25-01-03_04');
    expect(logSubdirOf(new Date(Date.UTC(2009, 11, 31, 0, 5)))).toBe('09-12-31_00');
    const parsed = parseTemplate('log = {logDir}/{logSubdir}/grid.$(Cluster).$(Process).log\n');
    expect(templateProblems(parsed, options)).toEqual([]);
    expect(renderTemplate(parsed, values)).toBe(
      'log = /var/log/condor/25-01-03_04/grid.$(Cluster).$(Process).log\n',
    );
  });
});

describe('the submit language', () => {
  it('escapes values: $ as $(DOLLAR), ClassAd strings, new-syntax arguments; refuses newlines', () => {
    expect(submitValue('a$b')).toBe('a$(DOLLAR)b');
    expect(() => submitValue('a\nqueue 100')).toThrow('newline');
    expect(submitClassAdString('say "hi" \\ $x')).toBe('"say \\"hi\\" \\\\ $(DOLLAR)x"');
    expect(argumentsValue(['/w.sh', '/ap/1'])).toBe('"/w.sh /ap/1"');
    expect(argumentsValue(['a b', "it's", 'say "x"', ''])).toBe(`"'a b' 'it''s' 'say ""x""' ''"`);
    expect(() => argumentsValue(['a\rb'])).toThrow('control character');
  });

  it('the block that ends each worker’s part', () => {
    expect(procBlock({ harvesterId: 'h"1', workerID: 7, batchName: 'h"1-7' })).toBe(
      [
        '# ---- harvester-ts: worker 7 (generated) ----',
        '+harvesterID = "h\\"1"',
        '+harvesterWorkerID = 7',
        'batch_name = h"1-7',
        'queue 1',
      ].join('\n'),
    );
  });

  it('the log paths a part declares, once the job id is known', () => {
    const part =
      'initialdir = /ap\noutput = out.$(Cluster).$(Process)\nerror = /logs/$(ClusterId)_$(ProcId).err\nlog = grid.log\nLOG = /logs/x.log\n';
    const d = declaredPaths(part);
    expect(d).toEqual({
      initialdir: '/ap',
      output: 'out.$(Cluster).$(Process)',
      error: '/logs/$(ClusterId)_$(ProcId).err',
      log: '/logs/x.log',
    });
    const id = { cluster: 12, proc: 3 };
    expect(resolveDeclaredPath(d.output, id, d.initialdir, true)).toBe('/ap/out.12.3');
    expect(resolveDeclaredPath(d.error, id, d.initialdir, true)).toBe('/logs/12_3.err');
    expect(resolveDeclaredPath('grid.log', id, d.initialdir, false)).toBeUndefined();
    expect(resolveDeclaredPath('/dev/null', id, d.initialdir, true)).toBeUndefined();
    expect(resolveDeclaredPath('/x/$(Foo)', id, d.initialdir, true)).toBeUndefined();
  });
});
