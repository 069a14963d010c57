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
