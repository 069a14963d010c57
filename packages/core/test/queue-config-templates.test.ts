// Template resolution: template ← queue, plugin sections merged key by key, `common` merged into
// every section, templates left out of the result, and the errors of template references.
import { readFileSync } from 'node:fs';
import type { ConfigIssue } from '../src/errors.js';
import {
  mergeQueueEntries,
  parseQueueConfigFile,
  type QueueConfig,
  type QueueConfigEntry,
  resolveQueueTemplates,
  safeParseQueueConfigFile,
} from '../src/queue-config/index.js';

type Json = Record<string, unknown>;

const SECTIONS = JSON.parse(
  readFileSync(new URL('./fixtures/queue-config/minimal.json', import.meta.url), 'utf8'),
).MINIMAL as Json;

function template(extra: Json = {}): Json {
  return { maxWorkers: 100, ...structuredClone(SECTIONS), ...extra };
}

function issuesOf(json: unknown): ConfigIssue[] {
  const result = safeParseQueueConfigFile(json);
  if (result.ok) throw new Error('expected the configuration to be rejected');
  return result.issues;
}

function only(queues: Record<string, QueueConfig>, name: string): QueueConfig {
  const q = queues[name];
  if (q === undefined) throw new Error(`no queue ${name} in ${Object.keys(queues).join(', ')}`);
  return q;
}

describe('merging a queue into its template', () => {
  it('merges plugin sections key by key: one option changed, module and name inherited', () => {
    const queues = parseQueueConfigFile({
      SLURM_TEMPLATE: template({
        submitter: {
          module: '@harvester-ts/slurm',
          name: 'SlurmSubmitter',
          templateFile: '/etc/harvester/slurm.sh',
          nCorePerNode: 32,
          partition: 'short',
        },
      }),
      HPC_A: { templateQueueName: 'SLURM_TEMPLATE', submitter: { partition: 'long' } },
    });
    expect(only(queues, 'HPC_A').submitter).toStrictEqual({
      module: '@harvester-ts/slurm',
      name: 'SlurmSubmitter',
      templateFile: '/etc/harvester/slurm.sh',
      nCorePerNode: 32,
      partition: 'long',
    });
  });

  it('replaces a section naming another plugin instead of mixing two plugins’ options', () => {
    const queues = parseQueueConfigFile({
      SLURM_TEMPLATE: template({
        submitter: { module: '@harvester-ts/slurm', name: 'SlurmSubmitter', partition: 'short' },
        monitor: { module: '@harvester-ts/slurm', name: 'SlurmMonitor', bulk: true },
      }),
      LOCAL: {
        templateQueueName: 'SLURM_TEMPLATE',
        submitter: { module: '@harvester-ts/local', name: 'LocalSubmitter', nCore: 1 },
      },
    });
    const q = only(queues, 'LOCAL');
    expect(q.submitter).toStrictEqual({ module: '@harvester-ts/local', name: 'LocalSubmitter', nCore: 1 });
    expect(q.monitor).toStrictEqual({ module: '@harvester-ts/slurm', name: 'SlurmMonitor', bulk: true });
    // Same module, another export: also another plugin, so nothing is inherited but the module is
    // required again.
    expect(
      issuesOf({
        SLURM_TEMPLATE: template({
          monitor: { module: '@harvester-ts/slurm', name: 'SlurmMonitor', bulk: true },
        }),
        LOCAL: { templateQueueName: 'SLURM_TEMPLATE', monitor: { name: 'SlurmSqueueMonitor' } },
      }),
    ).toEqual([
      { path: 'LOCAL.monitor.module', message: 'required: the package (or path) that exports the plugin' },
    ]);
  });

  it("lets a queue's scalar keys override the template's and null clear them", () => {
    const queues = parseQueueConfigFile({
      PUSH_TEMPLATE: template({ nQueueLimitJob: 50, prodSourceLabel: 'managed', prefetchEvents: false }),
      Q: { templateQueueName: 'PUSH_TEMPLATE', nQueueLimitJob: null, prodSourceLabel: 'user', maxWorkers: 7 },
    });
    const q = only(queues, 'Q');
    expect([q.nQueueLimitJob, q.prodSourceLabel, q.prefetchEvents, q.maxWorkers]).toEqual([
      null,
      'user',
      false,
      7,
    ]);
  });

  it('merges common key by key and into every plugin section, without overriding a section’s own keys', () => {
    const queues = parseQueueConfigFile({
      K8S_TEMPLATE: template({
        common: { k8s_namespace: 'default', k8s_config_file: '/etc/k8s/config', payloadType: 'atlas' },
        submitter: { module: 'k8s', name: 'K8sSubmitter', k8s_namespace: 'submit-ns' },
        credmanagers: [
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Harvester placeholder, not a template literal
          { module: 'cred', name: 'K8sSecretCredManager', namespace: '${common.k8s_namespace}' },
        ],
      }),
      Q: { templateQueueName: 'K8S_TEMPLATE', common: { k8s_namespace: 'atlas' } },
    });
    const q = only(queues, 'Q');
    expect(q.common).toStrictEqual({
      k8s_namespace: 'atlas',
      k8s_config_file: '/etc/k8s/config',
      payloadType: 'atlas',
    });
    expect(q.submitter).toStrictEqual({
      module: 'k8s',
      name: 'K8sSubmitter',
      k8s_namespace: 'submit-ns',
      k8s_config_file: '/etc/k8s/config',
      payloadType: 'atlas',
    });
    for (const section of [
      'monitor',
      'sweeper',
      'messenger',
      'preparator',
      'stager',
      'workerMaker',
    ] as const) {
      expect(q[section]).toMatchObject({
        k8s_namespace: 'atlas',
        k8s_config_file: '/etc/k8s/config',
        payloadType: 'atlas',
      });
    }
    // credmanagers use ${common.X} placeholders, as in Harvester; common is not merged into them.
    expect(q.credmanagers).toStrictEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Harvester placeholder, not a template literal
      { module: 'cred', name: 'K8sSecretCredManager', namespace: '${common.k8s_namespace}' },
    ]);
  });

  it('replaces lists and weight maps as a whole', () => {
    const queues = parseQueueConfigFile({
      T_TEMPLATE: template({
        prodSourceLabelRandomWeightsPermille: { ptest: 10, rc_test: 10 },
        credmanagers: [{ module: 'a', name: 'A' }],
      }),
      Q: {
        templateQueueName: 'T_TEMPLATE',
        prodSourceLabelRandomWeightsPermille: { rc_alrb: 5 },
        credmanagers: [],
      },
    });
    const q = only(queues, 'Q');
    expect(q.prodSourceLabelRandomWeightsPermille).toEqual({ rc_alrb: 5 });
    expect(q.credmanagers).toEqual([]);
  });

  it('lets a queue provide the accessPoint its template leaves out', () => {
    const { messenger: _, ...sections } = template();
    const file = {
      SHARED_TEMPLATE: {
        ...sections,
        messenger: { module: '@harvester-ts/engine', name: 'SharedFileMessenger' },
      },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Harvester placeholder, not a template literal
      A: { templateQueueName: 'SHARED_TEMPLATE', messenger: { accessPoint: '/data/a/${workerID}' } },
      B: { templateQueueName: 'SHARED_TEMPLATE' },
    };
    expect(issuesOf(file)).toEqual([
      {
        path: 'B.messenger.accessPoint',
        message: "required: the messenger's accessPoint (the worker directory)",
      },
    ]);
    const { B: _b, ...good } = file;
    expect(only(parseQueueConfigFile(good), 'A').messenger).toStrictEqual({
      module: '@harvester-ts/engine',
      name: 'SharedFileMessenger',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Harvester placeholder, not a template literal
      accessPoint: '/data/a/${workerID}',
    });
  });

  it('checks mandatory sections after the merge: a template may provide them, or not', () => {
    const { stager: _, workerMaker: __, ...partial } = template();
    expect(parseQueueConfigFile({ PARTIAL_TEMPLATE: partial })).toEqual({});
    expect(
      issuesOf({
        PARTIAL_TEMPLATE: partial,
        Q: { templateQueueName: 'PARTIAL_TEMPLATE', stager: { module: 'posix', name: 'PosixStager' } },
      }),
    ).toEqual([
      {
        path: 'Q.workerMaker',
        message: "missing mandatory plugin section 'workerMaker' (set it in the queue or in its template)",
      },
    ]);
  });

  it('removes an inherited optional section with null; null on a mandatory one leaves it missing', () => {
    const file = {
      T_TEMPLATE: template({ throttler: { module: 'engine', name: 'SimpleThrottler' } }),
      NO_THROTTLE: { templateQueueName: 'T_TEMPLATE', throttler: null },
      KEEP: { templateQueueName: 'T_TEMPLATE' },
    };
    const queues = parseQueueConfigFile(file);
    expect('throttler' in only(queues, 'NO_THROTTLE')).toBe(false);
    expect(only(queues, 'KEEP').throttler).toEqual({ module: 'engine', name: 'SimpleThrottler' });
    expect(issuesOf({ ...file, NO_SWEEPER: { templateQueueName: 'T_TEMPLATE', sweeper: null } })).toEqual([
      {
        path: 'NO_SWEEPER.sweeper',
        message: "missing mandatory plugin section 'sweeper' (set it in the queue or in its template)",
      },
    ]);
  });

  it('decides whether preparator and stager are needed from the mapType after the merge', () => {
    const { preparator: _p, stager: _s, ...pullTemplate } = template({ mapType: 'NoJob' });
    const jobMessage = (s: string) =>
      `missing mandatory plugin section '${s}' (set it in the queue or in its template; ` +
      'only NoJob queues, which carry no jobs, may leave it out)';
    const file = {
      // A Harvester grid template: pilots pull their jobs, no data motion.
      PULL_TEMPLATE: pullTemplate,
      PULL: { templateQueueName: 'PULL_TEMPLATE' },
      // A queue of a job template switching to NoJob drops the inherited sections with null.
      PUSH_TEMPLATE: template(),
      NOW_PULL: { templateQueueName: 'PUSH_TEMPLATE', mapType: 'NoJob', preparator: null, stager: null },
      // ...or keeps them: a NoJob queue may have them (they are never called).
      PULL_KEEPS: { templateQueueName: 'PUSH_TEMPLATE', mapType: 'NoJob' },
    };
    const queues = parseQueueConfigFile(file);
    const pull = only(queues, 'PULL');
    expect([pull.mapType, 'preparator' in pull, 'stager' in pull]).toEqual(['NoJob', false, false]);
    const nowPull = only(queues, 'NOW_PULL');
    expect(['preparator' in nowPull, 'stager' in nowPull]).toEqual([false, false]);
    expect(only(queues, 'PULL_KEEPS').stager).toEqual(SECTIONS.stager);

    expect(
      issuesOf({
        ...file,
        // A queue of the pull template that carries jobs needs its own.
        NOW_PUSH: { templateQueueName: 'PULL_TEMPLATE', mapType: 'OneToOne', stager: SECTIONS.stager },
        // null on an inherited preparator leaves a queue with jobs without one.
        NO_PREP: { templateQueueName: 'PUSH_TEMPLATE', preparator: null },
      }),
    ).toEqual([
      { path: 'NOW_PUSH.preparator', message: jobMessage('preparator') },
      { path: 'NO_PREP.preparator', message: jobMessage('preparator') },
    ]);
    // A template on its own is not checked for them either way.
    expect(parseQueueConfigFile({ PULL_TEMPLATE: { ...pullTemplate, mapType: 'OneToOne' } })).toEqual({});
  });

  it('mergeQueueEntries modifies neither input and shares no object with them', () => {
    const base: QueueConfigEntry = {
      maxWorkers: 3,
      submitter: { module: 'm', name: 'n', opts: { a: 1 } },
      common: { x: 1 },
    };
    const override: QueueConfigEntry = { submitter: { extra: [1] }, common: { y: 2 } };
    const before = structuredClone([base, override]);
    const merged = mergeQueueEntries(base, override);
    expect(merged).toEqual({
      maxWorkers: 3,
      submitter: { module: 'm', name: 'n', opts: { a: 1 }, extra: [1] },
      common: { x: 1, y: 2 },
    });
    expect([base, override]).toEqual(before);
    expect(merged.submitter?.opts).not.toBe(base.submitter?.opts);
    expect(merged.submitter?.extra).not.toBe(override.submitter?.extra);
  });
});

describe('templates', () => {
  it('recognises templates by the _TEMPLATE suffix or isTemplateQueue, and leaves them out', () => {
    const queues = parseQueueConfigFile({
      'production.push': { ...template(), isTemplateQueue: true },
      GRID_TEMPLATE: template(),
      A: { templateQueueName: 'production.push' },
      B: { templateQueueName: 'GRID_TEMPLATE', isTemplateQueue: false },
    });
    expect(Object.keys(queues)).toEqual(['A', 'B']);
    expect(only(queues, 'A').templateQueueName).toBe('production.push');
    // isTemplateQueue is not inherited: A is a concrete queue.
    expect('isTemplateQueue' in only(queues, 'A')).toBe(false);
  });

  it('rejects isTemplateQueue: false on a _TEMPLATE name', () => {
    expect(issuesOf({ GRID_TEMPLATE: { ...template(), isTemplateQueue: false } })).toEqual([
      {
        path: 'GRID_TEMPLATE.isTemplateQueue',
        message:
          'is false, but a name ending in _TEMPLATE makes the entry a template: rename the queue or remove isTemplateQueue',
      },
    ]);
  });

  it('follows chains of templates, the nearest one winning', () => {
    const queues = parseQueueConfigFile({
      BASE_TEMPLATE: template({
        maxWorkers: 10,
        prodSourceLabel: 'managed',
        common: { a: 'base', b: 'base' },
      }),
      MCORE_TEMPLATE: {
        templateQueueName: 'BASE_TEMPLATE',
        maxWorkers: 20,
        resourceType: 'MCORE',
        submitter: { nCore: 8 },
        common: { b: 'mcore' },
      },
      Q: { templateQueueName: 'MCORE_TEMPLATE', maxWorkers: 30 },
    });
    expect(Object.keys(queues)).toEqual(['Q']);
    const q = only(queues, 'Q');
    expect([q.maxWorkers, q.prodSourceLabel, q.resourceType, q.templateQueueName]).toEqual([
      30,
      'managed',
      'MCORE',
      'MCORE_TEMPLATE',
    ]);
    expect(q.submitter).toStrictEqual({ ...(SECTIONS.submitter as Json), nCore: 8, a: 'base', b: 'mcore' });
  });

  it('reports a cycle of templates once, and nothing more for the queues using it', () => {
    expect(
      issuesOf({
        A_TEMPLATE: { templateQueueName: 'B_TEMPLATE' },
        B_TEMPLATE: { templateQueueName: 'A_TEMPLATE' },
        SELF_TEMPLATE: { templateQueueName: 'SELF_TEMPLATE' },
        Q1: { templateQueueName: 'A_TEMPLATE' },
        Q2: { templateQueueName: 'B_TEMPLATE' },
        OK: template(),
      }),
    ).toEqual([
      {
        path: 'A_TEMPLATE.templateQueueName',
        message: 'template cycle: A_TEMPLATE → B_TEMPLATE → A_TEMPLATE',
      },
      { path: 'SELF_TEMPLATE.templateQueueName', message: 'template cycle: SELF_TEMPLATE → SELF_TEMPLATE' },
    ]);
  });

  it('reports an unknown template, suggesting a close name', () => {
    expect(
      issuesOf({
        GRID_PUSH_TEMPLATE: template(),
        Q1: { templateQueueName: 'GRID_PUSH_TEMPLTE' },
        Q2: { templateQueueName: 'NOTHING_LIKE_IT' },
      }),
    ).toEqual([
      {
        path: 'Q1.templateQueueName',
        message: "unknown template 'GRID_PUSH_TEMPLTE' (did you mean 'GRID_PUSH_TEMPLATE'?)",
      },
      { path: 'Q2.templateQueueName', message: "unknown template 'NOTHING_LIKE_IT'" },
    ]);
  });

  it('adds nothing to the issue of a template reference of the wrong type', () => {
    expect(issuesOf({ T_TEMPLATE: template(), Q: { templateQueueName: 5 } })).toEqual([
      { path: 'Q.templateQueueName', message: 'Invalid input: expected string, received number' },
    ]);
    expect(issuesOf({ T_TEMPLATE: template(), Q: { templateQueueName: '' } })).toEqual([
      { path: 'Q.templateQueueName', message: 'must not be empty' },
    ]);
  });

  it('refuses a concrete queue as template', () => {
    expect(issuesOf({ CERN: template(), CERN_COPY: { templateQueueName: 'CERN' } })).toEqual([
      {
        path: 'CERN_COPY.templateQueueName',
        message:
          "'CERN' is a queue, not a template (a template's name ends in _TEMPLATE or it sets isTemplateQueue: true)",
      },
    ]);
  });

  it("reports an invalid template's own issues, not those of every queue based on it", () => {
    expect(
      issuesOf({
        BAD_TEMPLATE: template({ maxWorkers: 'many' }),
        Q1: { templateQueueName: 'BAD_TEMPLATE' },
        Q2: { templateQueueName: 'BAD_TEMPLATE', colour: 'red' },
      }),
    ).toEqual([
      { path: 'BAD_TEMPLATE.maxWorkers', message: 'Invalid input: expected number, received string' },
      { path: 'Q2.colour', message: "unknown key 'colour'" },
    ]);
  });

  it('resolveQueueTemplates works on an already parsed file', () => {
    const result = resolveQueueTemplates({
      T_TEMPLATE: template() as QueueConfigEntry,
      'Q/SCORE': { templateQueueName: 'T_TEMPLATE' },
    });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(Object.keys(result.value)).toEqual(['Q/SCORE']);
      expect(only(result.value, 'Q/SCORE')).toMatchObject({
        siteName: 'Q',
        resourceType: 'SCORE',
        maxWorkers: 100,
      });
    }
    expect(resolveQueueTemplates({ Q: { templateQueueName: 'NONE_TEMPLATE' } })).toEqual({
      ok: false,
      issues: [{ path: 'Q.templateQueueName', message: "unknown template 'NONE_TEMPLATE'" }],
    });
  });
});
