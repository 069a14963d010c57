// Python Harvester's panda_queueconfig.json → ours: plugin sections naming `pandaharvester.*`
// modules are rewritten to the harvester-ts plugin with the same meaning, option names mapped,
// options we have no equivalent for dropped with a reason. Harvester's DummyPreparator and
// DummyStager, which NoJob queues name only because Harvester requires the sections, are dropped
// (the section removed, with a note): core lets a NoJob queue go without them and tells a queue
// with jobs that it needs real ones. Any other Harvester plugin without a faithful equivalent is
// an error (every one is reported at once), never guessed at: a silently different stage-in or
// batch system would be worse than a refusal.
import {
  ConfigError,
  type ConfigIssue,
  dottedPath,
  editDistance,
  PLUGIN_SECTIONS,
  type PluginSectionName,
} from '@harvester-ts/core';

/** Sections holding plugins: the single-plugin sections and each entry of `credmanagers`. */
export type HarvesterSectionName = PluginSectionName | 'credmanagers';

const HARVESTER_PREFIX = 'pandaharvester.';

/** What happens to one option of a Harvester plugin section. */
export interface HarvesterOptionRule {
  /** Our name for it (same meaning); omitted: the same name. */
  readonly to?: string;
  /** Why it is dropped (harvester-ts has no equivalent); omitted: it is kept. */
  readonly drop?: string;
  /** Why this value cannot be mapped faithfully, or undefined when it can; checked first. */
  readonly reject?: (value: unknown) => string | undefined;
}

/** The harvester-ts plugin a Harvester `module.Class` becomes, and how its options carry over. */
export interface HarvesterPluginMapping {
  /** Sections the plugin may be used in. */
  readonly sections: readonly HarvesterSectionName[];
  readonly module: string;
  readonly name: string;
  /** Rules for particular options; options without a rule are kept unless `ourOptions` is given. */
  readonly options?: Readonly<Record<string, HarvesterOptionRule>>;
  /**
   * Our plugin's option names, when they differ from Harvester's: an option with neither a rule
   * nor one of these names is dropped. Omitted: our plugin takes Harvester's option names.
   */
  readonly ourOptions?: readonly string[];
  /** Options our plugin needs to behave as the Harvester one did (not overriding the section's). */
  readonly set?: Readonly<Record<string, unknown>>;
  /** Differences in behaviour worth telling the operator. */
  readonly notes?: readonly string[];
}

/** One section that was rewritten, for the CLI to print. */
export interface MappedSection {
  /** Dotted path of the section, e.g. `CERN_T1.submitter` or `CERN_T1.credmanagers.0`. */
  path: string;
  /** Harvester's `module.Class`. */
  from: string;
  /** Ours, as `module name`, e.g. `@harvester-ts/slurm SlurmSubmitter`. */
  to: string;
  /** Options renamed: Harvester's name → ours. */
  renamed: Record<string, string>;
  /** Options dropped (not passed to our plugin). */
  dropped: string[];
  /** Why each dropped option was dropped. */
  dropReasons: Record<string, string>;
  /** Options the mapping set so that our plugin behaves as Harvester's did. */
  added: Record<string, unknown>;
  notes: string[];
  /**
   * True when the section only overrides options of a section its template names: its options
   * were mapped, `module` and `name` come from the (mapped) template.
   */
  inherited: boolean;
  /**
   * True when the section was removed (`to` is `none`): a Harvester plugin that does nothing and
   * is named only because Harvester requires the section (see HARVESTER_DROPPED_PLUGINS).
   */
  removed: boolean;
}

export interface MapHarvesterQueueConfigOptions {
  /** Where the document comes from (a file path), for the error message. */
  source?: string;
}

export interface HarvesterQueueConfigMapping {
  /** A copy of the document with every Harvester plugin section rewritten. */
  document: Record<string, unknown>;
  /** The sections that were rewritten, in the order of the document. */
  mapped: MappedSection[];
}

const SLURM = '@harvester-ts/slurm';
const HTCONDOR = '@harvester-ts/htcondor';
const LOCAL = '@harvester-ts/local';
const ENGINE = '@harvester-ts/engine';
const POSIX = '@harvester-ts/stager-posix';

/** Option names of our SharedFileMessenger (packages/engine/src/messenger/options.ts). */
const MESSENGER_OPTIONS = [
  'accessPoint',
  'worker_heartbeat',
  'jobSpecFile',
  'workerAttributesFile',
  'jobReportFile',
  'eventStatusDumpJsonFile',
  'jobRequestFile',
  'pandaIDsFile',
  'eventRequestFile',
  'eventRangesFile',
  'updateEventsFile',
  'killWorkerFile',
  'heartbeatFile',
  'xmlPoolCatalogFile',
  'postProcessAttrsFile',
  'logTarballPatterns',
  'tarCommand',
  'computeChecksums',
  'malformedFileGraceSeconds',
  'maxJsonFileBytes',
] as const;

/** Option names of our SimpleWorkerMaker. */
const WORKER_MAKER_OPTIONS = [
  'nJobsPerWorker',
  'nWorkersPerJob',
  'defaultNCore',
  'defaultRamPerCoreMB',
  'defaultWalltimeSeconds',
  'maxNCore',
  'maxRamMB',
  'dynamicSizing',
] as const;

/** Option names of our PosixPreparator (packages/stager-posix/src/preparator.ts). */
const POSIX_PREPARATOR_OPTIONS = ['storageRoot', 'stagingRoot', 'mode', 'verifyChecksums', 'defaultScope'];

// Harvester's BaseMessenger reads per-queue file names from attributes whose names differ from
// the [payload_interaction] keys (e.g. jsonAttrsFileName for workerAttributesFile).
const MESSENGER_RULES: Readonly<Record<string, HarvesterOptionRule>> = {
  jobSpecFileName: { to: 'jobSpecFile' },
  jsonAttrsFileName: { to: 'workerAttributesFile' },
  jsonJobReport: { to: 'jobReportFile' },
  jsonOutputsFileName: { to: 'eventStatusDumpJsonFile' },
  jsonJobRequestFileName: { to: 'jobRequestFile' },
  jsonEventsRequestFileName: { to: 'eventRequestFile' },
  jsonEventsFeedFileName: { to: 'eventRangesFile' },
  jsonEventsUpdateFileName: { to: 'updateEventsFile' },
  xmlPoolCatalogFileName: { to: 'xmlPoolCatalogFile' },
  xmlOutputsBaseFileName: { drop: 'the legacy XML output dump is not read by harvester-ts' },
  jobSpecFileFormat: {
    drop: 'harvester-ts always writes the job spec file as JSON',
    reject: (value) =>
      value === 'json'
        ? undefined
        : `harvester-ts writes the job spec file as JSON ({PandaID: jobParams}) only, not ${JSON.stringify(value)}; ` +
          'remove the option if the workers of this queue do not read that file (pull mode, mapType NoJob)',
  },
  stripJobParams: { drop: 'harvester-ts writes the job parameters as the WMS sent them' },
  scanInPostProcess: {
    drop: 'harvester-ts does not scan the access point for left-over outputs',
    reject: (value) =>
      value === true
        ? 'harvester-ts does not scan the access point for left-over outputs: workers must list them in the ' +
          'event status dump file (eventStatusDumpJsonFile)'
        : undefined,
  },
  leftOverPatterns: { drop: 'only used by scanInPostProcess, which harvester-ts does not support' },
  leftOverZipPatterns: { drop: 'only used by scanInPostProcess, which harvester-ts does not support' },
  taskWorkBaseDir: { drop: 'on-site merging (task work directories) is not supported by harvester-ts' },
  taskWorkStateFile: { drop: 'on-site merging (task work directories) is not supported by harvester-ts' },
};

const NOT_SUPPORTED = 'not supported by harvester-ts';

const WORKER_MAKER_RULES: Readonly<Record<string, HarvesterOptionRule>> = {
  jobAttributesToUse: {
    drop: 'Python-only: harvester-ts SimpleWorkerMaker sizes workers from their jobs (see its default* and max* options)',
  },
  nReadyResources: { drop: `a fixed number of ready resources is ${NOT_SUPPORTED}` },
  maxWorkersPerJobInTotal: { drop: NOT_SUPPORTED },
  maxWorkersPerJobPerCycle: { drop: NOT_SUPPORTED },
  staticWorkers: { drop: NOT_SUPPORTED },
  skipOnFail: { drop: NOT_SUPPORTED },
};

const MULTIJOB_SCRIPT =
  'Python-only: harvester-ts runs each job with its worker wrapper; put setup in the submit template';

function isAbsolutePosixPath(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith('/') && !value.includes('\0');
}

/**
 * Harvester `module.Class` → harvester-ts plugin. Add an entry here to support another Harvester
 * plugin; keep to plugins whose behaviour ours reproduces.
 */
export const HARVESTER_PLUGIN_MAP: Readonly<Record<string, HarvesterPluginMapping>> = {
  'pandaharvester.harvestersubmitter.slurm_submitter.SlurmSubmitter': {
    sections: ['submitter'],
    module: SLURM,
    name: 'SlurmSubmitter',
    notes: ['an unknown {placeholder} in templateFile is an error (Harvester left it in the script)'],
  },
  'pandaharvester.harvestermonitor.slurm_monitor.SlurmMonitor': {
    sections: ['monitor'],
    module: SLURM,
    name: 'SlurmMonitor',
  },
  'pandaharvester.harvestermonitor.slurm_squeue_monitor.SlurmSqueueMonitor': {
    sections: ['monitor'],
    module: SLURM,
    name: 'SlurmMonitor',
  },
  'pandaharvester.harvestermonitor.slurm_bulk_monitor.SlurmBulkMonitor': {
    sections: ['monitor'],
    module: SLURM,
    name: 'SlurmMonitor',
    options: {
      use_squeue_monitor: {
        drop: 'SlurmMonitor chooses its Slurm commands itself (one per cycle for all workers)',
      },
    },
  },
  'pandaharvester.harvestersweeper.slurm_sweeper.SlurmSweeper': {
    sections: ['sweeper'],
    module: SLURM,
    name: 'SlurmSweeper',
  },
  'pandaharvester.harvestersubmitter.htcondor_submitter.HTCondorSubmitter': {
    sections: ['submitter'],
    module: HTCONDOR,
    name: 'HTCondorSubmitter',
  },
  'pandaharvester.harvestermonitor.htcondor_monitor.HTCondorMonitor': {
    sections: ['monitor'],
    module: HTCONDOR,
    name: 'HTCondorMonitor',
  },
  'pandaharvester.harvestersweeper.htcondor_sweeper.HTCondorSweeper': {
    sections: ['sweeper'],
    module: HTCONDOR,
    name: 'HTCondorSweeper',
  },
  'pandaharvester.harvestermessenger.shared_file_messenger.SharedFileMessenger': {
    sections: ['messenger'],
    module: ENGINE,
    name: 'SharedFileMessenger',
    options: MESSENGER_RULES,
    ourOptions: MESSENGER_OPTIONS,
    notes: [
      "file names not set in the section are Harvester's defaults (panda_harvester.cfg template); set them " +
        'here if your [payload_interaction] changed them',
    ],
  },
  'pandaharvester.harvesterworkermaker.simple_worker_maker.SimpleWorkerMaker': {
    sections: ['workerMaker'],
    module: ENGINE,
    name: 'SimpleWorkerMaker',
    options: WORKER_MAKER_RULES,
    ourOptions: WORKER_MAKER_OPTIONS,
  },
  'pandaharvester.harvesterworkermaker.multijob_worker_maker.MultiJobWorkerMaker': {
    sections: ['workerMaker'],
    module: ENGINE,
    name: 'SimpleWorkerMaker',
    options: {
      ...WORKER_MAKER_RULES,
      env: { drop: MULTIJOB_SCRIPT },
      executor: { drop: MULTIJOB_SCRIPT },
      pilot: { drop: MULTIJOB_SCRIPT },
      pilot_params: { drop: MULTIJOB_SCRIPT },
    },
    ourOptions: WORKER_MAKER_OPTIONS,
    notes: [
      "a worker's cores are the sum of its jobs' (Harvester's MultiJobWorkerMaker took the submitter's " +
        'nCorePerNode per job)',
    ],
  },
  // No data motion: jobs read their inputs where Rucio put them, at the deterministic path under
  // basePath. PosixPreparator's direct mode does the same (and also checks each input exists).
  'pandaharvester.harvesterpreparator.rse_direct_preparator.RseDirectPreparator': {
    sections: ['preparator'],
    module: POSIX,
    name: 'PosixPreparator',
    options: {
      basePath: {
        to: 'storageRoot',
        reject: (value) =>
          isAbsolutePosixPath(value)
            ? undefined
            : `PosixPreparator reads a POSIX directory: basePath must be an absolute path, not ${JSON.stringify(value)}`,
      },
    },
    ourOptions: POSIX_PREPARATOR_OPTIONS,
    set: { mode: 'direct', verifyChecksums: false },
    notes: [
      'inputs are used in place as with RseDirectPreparator; each is also checked to exist with the expected ' +
        'size (verifyChecksums: true also checks adler32/md5, reading every input)',
      "scopes other than user.* and group.* keep their dots in the path (Rucio's convention; Harvester split them)",
    ],
  },
};

/** A Harvester plugin whose section is removed rather than mapped. */
export interface HarvesterDroppedPlugin {
  /** Sections it is dropped from (anywhere else it is reported like any unsupported plugin). */
  readonly sections: readonly HarvesterSectionName[];
  /** Why, for the mapping notes (`config validate`, `config show`). */
  readonly note: string;
}

/**
 * Harvester plugins that do nothing and that a queue names only because Harvester requires the
 * section: grid queues with mapType NoJob (pilots fetch their own jobs and move their own data)
 * name DummyPreparator and DummyStager. Their section is removed; core then accepts a NoJob queue
 * without it and tells a queue with jobs that it must name a real one.
 */
export const HARVESTER_DROPPED_PLUGINS: Readonly<Record<string, HarvesterDroppedPlugin>> = {
  'pandaharvester.harvesterpreparator.dummy_preparator.DummyPreparator': {
    sections: ['preparator'],
    note:
      'dropped: DummyPreparator moves no data; a NoJob queue needs no preparator, a queue with jobs must ' +
      'name a real one',
  },
  'pandaharvester.harvesterstager.dummy_stager.DummyStager': {
    sections: ['stager'],
    note:
      'dropped: DummyStager moves no data; a NoJob queue needs no stager, a queue with jobs must name a ' +
      'real one',
  },
};

/** Harvester modules we know and reject, with why and what to use instead. */
export const HARVESTER_UNSUPPORTED_MODULES: Readonly<Record<string, string>> = {
  'pandaharvester.harvestersubmitter.slurm_submitter_jinja':
    "renders Jinja2 templates; harvester-ts SlurmSubmitter renders Harvester's {placeholder} templates " +
    '(as pandaharvester.harvestersubmitter.slurm_submitter does): convert the template',
  'pandaharvester.harvestersubmitter.k8s_submitter':
    'runs workers on Kubernetes, which harvester-ts does not support',
  'pandaharvester.harvestermonitor.k8s_monitor':
    'runs workers on Kubernetes, which harvester-ts does not support',
  'pandaharvester.harvestersweeper.k8s_sweeper':
    'runs workers on Kubernetes, which harvester-ts does not support',
  'pandaharvester.harvestermessenger.http_server_messenger':
    'workers talk to it over HTTP; harvester-ts workers exchange files in their access point',
  'pandaharvester.harvesterpreparator.xrdcp_preparator':
    'copies inputs over XRootD; harvester-ts has no XRootD plugin',
  'pandaharvester.harvesterstager.xrdcp_stager':
    'copies outputs over XRootD; harvester-ts has no XRootD plugin',
  'pandaharvester.harvesterpreparator.rucio_preparator':
    'downloads with Rucio; harvester-ts has no Rucio plugin',
  'pandaharvester.harvesterstager.rucio_stager': 'uploads with Rucio; harvester-ts has no Rucio plugin',
  'pandaharvester.harvesterstager.rucio_stager_hpc': 'uploads with Rucio; harvester-ts has no Rucio plugin',
  'pandaharvester.harvesterstager.rucio_rse_direct_stager':
    'registers in Rucio; harvester-ts has no Rucio plugin',
  'pandaharvester.harvesterpreparator.go_preparator':
    'uses Globus transfers; harvester-ts has no Globus plugin',
  'pandaharvester.harvesterpreparator.go_bulk_preparator':
    'uses Globus transfers; harvester-ts has no Globus plugin',
  'pandaharvester.harvesterstager.go_stager': 'uses Globus transfers; harvester-ts has no Globus plugin',
  'pandaharvester.harvesterstager.go_bulk_stager': 'uses Globus transfers; harvester-ts has no Globus plugin',
  'pandaharvester.harvesterstager.go_rucio_stager': 'uses Globus and Rucio; harvester-ts has no such plugin',
  'pandaharvester.harvesterstager.fts_stager': 'uses FTS transfers; harvester-ts has no FTS plugin',
  'pandaharvester.harvesterstager.rse_direct_stager':
    'moves no data (workers upload their outputs themselves) and only marks outputs finished; harvester-ts ' +
    'has no such stager yet (PosixStager copies outputs to a POSIX destinationRoot)',
  'pandaharvester.harvesterstager.yoda_rse_direct_stager':
    'copies Yoda event-service outputs with object-store IDs; not supported (PosixStager copies outputs to a ' +
    'POSIX destinationRoot, without object-store bookkeeping)',
  'pandaharvester.harvesterzipper.simple_zipper':
    'harvester-ts zips outputs in the stager (PosixStager, zipDir): remove the zipper section',
};

/** The harvester-ts plugins for each section, as `module name`, for error messages. */
export const HARVESTER_TS_PLUGINS: Readonly<Record<HarvesterSectionName, readonly string[]>> = {
  submitter: [`${SLURM} SlurmSubmitter`, `${HTCONDOR} HTCondorSubmitter`, `${LOCAL} LocalSubmitter`],
  monitor: [`${SLURM} SlurmMonitor`, `${HTCONDOR} HTCondorMonitor`, `${LOCAL} LocalMonitor`],
  sweeper: [`${SLURM} SlurmSweeper`, `${HTCONDOR} HTCondorSweeper`, `${LOCAL} LocalSweeper`],
  messenger: [`${ENGINE} SharedFileMessenger`],
  preparator: [`${POSIX} PosixPreparator`],
  stager: [`${POSIX} PosixStager`],
  workerMaker: [`${ENGINE} SimpleWorkerMaker`],
  throttler: [],
  zipper: [],
  aux_preparator: [],
  extractor: [],
  credmanagers: [],
};

/** What to do instead, for sections harvester-ts has no plugin for. */
const NO_PLUGIN_ADVICE: Readonly<Partial<Record<HarvesterSectionName, string>>> = {
  throttler: 'harvester-ts has no throttler plugins: remove the section',
  zipper: 'harvester-ts zips outputs in the stager (PosixStager, zipDir): remove the section',
  aux_preparator: 'harvester-ts does not stage auxiliary inputs: remove the section',
  extractor: 'harvester-ts does not stage auxiliary inputs: remove the section',
  credmanagers:
    'harvester-ts runs no credential managers: renew proxies and tokens outside it (e.g. from cron) and ' +
    'remove the entry',
};

/** Testkit doubles to use in tests instead of Harvester's dummy plugins. */
const TESTKIT_DOUBLES: Partial<Record<HarvesterSectionName, string>> = {
  submitter: 'TestkitSubmitter',
  monitor: 'TestkitMonitor',
  sweeper: 'TestkitSweeper',
  preparator: 'TestkitPreparator',
  stager: 'TestkitStager',
  workerMaker: 'TestkitWorkerMaker',
};

/** Options that cannot be carried over whatever the plugin. */
const ANY_PLUGIN_RULES: Readonly<Record<string, HarvesterOptionRule>> = {
  middleware: { reject: () => "harvester-ts does not run plugins through Harvester's ssh/rpc middleware" },
  bareFunctions: { reject: () => "harvester-ts does not run plugins through Harvester's ssh/rpc middleware" },
};

type Doc = Record<string, unknown>;
type Path = readonly (string | number)[];

function isPlainObject(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

// Keys come from a file: `__proto__` must be copied as a key, and `constructor` must not find
// Object.prototype's in a lookup table.
function setOwn(target: Doc, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function getOwn<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A deep copy of JSON-like data (plain objects and arrays copied, anything else kept). */
function copyValue<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => copyValue(item)) as T;
  if (isPlainObject(value)) {
    const out: Doc = {};
    for (const [key, item] of Object.entries(value)) setOwn(out, key, copyValue(item));
    return out as T;
  }
  return value;
}

function isHarvesterModule(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(HARVESTER_PREFIX);
}

function sectionLabel(section: HarvesterSectionName): string {
  if (section === 'workerMaker') return 'worker maker';
  if (section === 'credmanagers') return 'credential manager';
  return section.replace('_', ' ');
}

/**
 * ` (did you mean 'x'?)` for the mapped Harvester plugin closest to `key`: a typo of at most 3
 * edits (case ignored), or the same class in another module (e.g. a site's variant of a plugin).
 */
function didYouMean(key: string, className: string, section: HarvesterSectionName): string {
  const candidates = Object.entries(HARVESTER_PLUGIN_MAP)
    .filter(([, m]) => m.sections.includes(section))
    .map(([k]) => k);
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  best ??= candidates.find((c) => c.endsWith(`.${className}`));
  return best === undefined ? '' : ` (did you mean '${best}'?)`;
}

function alternatives(section: HarvesterSectionName): string {
  const ours = HARVESTER_TS_PLUGINS[section];
  if (ours.length === 0) {
    return `; ${NO_PLUGIN_ADVICE[section] ?? `harvester-ts has no ${sectionLabel(section)} plugins`}`;
  }
  return `; harvester-ts ${sectionLabel(section)} plugins: ${ours.join(', ')}`;
}

/** The issue for a Harvester plugin we do not map, and whether it is about its module or its class. */
function unsupportedIssue(
  section: HarvesterSectionName,
  module: string,
  className: string,
): { field: 'module' | 'name'; message: string } {
  const key = `${module}.${className}`;
  const dropped = getOwn(HARVESTER_DROPPED_PLUGINS, key);
  if (dropped !== undefined) {
    const where = dropped.sections.map(sectionLabel).join(' or ');
    return {
      field: 'module',
      message: `${key} is a ${where} plugin, it cannot be the ${sectionLabel(section)}${alternatives(section)}`,
    };
  }
  const basename = module.slice(module.lastIndexOf('.') + 1);
  if (basename.startsWith('dummy_')) {
    const double = TESTKIT_DOUBLES[section];
    const noop =
      section === 'preparator' || section === 'stager'
        ? ` (a NoJob queue, whose pilots move their own data, needs no ${section}: remove the section)`
        : '';
    return {
      field: 'module',
      message:
        `${key} is a Harvester test double and harvester-ts ships none: in tests use @harvester-ts/testkit` +
        `${double === undefined ? '' : ` (${double})`}${noop}${alternatives(section)}`,
    };
  }
  const reason = getOwn(HARVESTER_UNSUPPORTED_MODULES, module);
  if (reason !== undefined) return { field: 'module', message: `${key} ${reason}${alternatives(section)}` };
  const known = getOwn(HARVESTER_PLUGIN_MAP, key);
  if (known !== undefined) {
    const where = known.sections.map(sectionLabel).join(' or ');
    return {
      field: 'module',
      message: `${key} is a ${where} plugin, it cannot be the ${sectionLabel(section)}${alternatives(section)}`,
    };
  }
  // A known module with an unknown class points at the class; anything else at the module.
  const moduleKnown = Object.keys(HARVESTER_PLUGIN_MAP).some((k) => k.startsWith(`${module}.`));
  return {
    field: moduleKnown ? 'name' : 'module',
    message: `unknown Harvester plugin ${key}${didYouMean(key, className, section)}${alternatives(section)}`,
  };
}

/** module and name of a queue's section, completed from its template chain where it leaves them out. */
function effectivePlugin(
  document: Doc,
  entry: Doc,
  section: PluginSectionName,
  own: Doc,
): { module: unknown; name: unknown } {
  let module = own.module;
  let name = own.name;
  const seen = new Set<string>();
  let template = entry.templateQueueName;
  while (
    (module === undefined || name === undefined) &&
    typeof template === 'string' &&
    !seen.has(template)
  ) {
    seen.add(template);
    const parent = getOwn(document, template);
    if (!isPlainObject(parent)) break;
    const inherited = parent[section];
    // null in a template removes the section: nothing further up is inherited.
    if (inherited === null) break;
    if (isPlainObject(inherited)) {
      module ??= inherited.module;
      name ??= inherited.name;
    }
    template = parent.templateQueueName;
  }
  return { module, name };
}

/** Whether a template up the queue's chain sets `section` (to a section, not null). */
function inheritsSection(document: Doc, entry: Doc, section: PluginSectionName): boolean {
  const seen = new Set<string>();
  let template = entry.templateQueueName;
  while (typeof template === 'string' && !seen.has(template)) {
    seen.add(template);
    const parent = getOwn(document, template);
    if (!isPlainObject(parent)) return false;
    const inherited = parent[section];
    if (inherited === null) return false;
    if (inherited !== undefined) return true;
    template = parent.templateQueueName;
  }
  return false;
}

/** What `pluginSection` returns for a section to leave out of the queue. */
const REMOVED = Symbol('removed');

class Mapper {
  readonly issues: ConfigIssue[] = [];
  readonly mapped: MappedSection[] = [];

  constructor(private readonly document: Doc) {}

  issue(path: Path, message: string): void {
    this.issues.push({ path: dottedPath(path), message });
  }

  queue(queueName: string, entry: Doc): Doc {
    const out: Doc = {};
    for (const [key, value] of Object.entries(entry)) {
      if ((PLUGIN_SECTIONS as readonly string[]).includes(key)) {
        const section = this.pluginSection(queueName, entry, key as PluginSectionName, value);
        if (section !== REMOVED) setOwn(out, key, section);
      } else if (key === 'credmanagers') {
        setOwn(out, key, this.credmanagers(queueName, value));
      } else {
        setOwn(out, key, copyValue(value));
      }
    }
    return out;
  }

  private credmanagers(queueName: string, value: unknown): unknown {
    if (value === undefined || value === null) return value;
    if (!Array.isArray(value)) {
      this.issue(
        [queueName, 'credmanagers'],
        `expected a list of plugin sections, received ${describeType(value)}`,
      );
      return copyValue(value);
    }
    return value.map((item, i) => {
      const path = [queueName, 'credmanagers', i];
      if (!isPlainObject(item)) {
        this.issue(path, `expected a plugin section { module, name, ... }, received ${describeType(item)}`);
        return copyValue(item);
      }
      // Entries of the list are never merged with a template's, so module and name are their own.
      return this.section(path, 'credmanagers', item, item.module, item.name, false);
    });
  }

  private pluginSection(
    queueName: string,
    entry: Doc,
    section: PluginSectionName,
    value: unknown,
  ): unknown | typeof REMOVED {
    // null removes an inherited section; core validates the rest of the shape.
    if (value === undefined || value === null) return value;
    const path = [queueName, section];
    if (!isPlainObject(value)) {
      this.issue(path, `expected a plugin section { module, name, ... }, received ${describeType(value)}`);
      return copyValue(value);
    }
    const { module, name } = effectivePlugin(this.document, entry, section, value);
    const partial = value.module === undefined && value.name === undefined;
    const dropped =
      typeof name === 'string' ? getOwn(HARVESTER_DROPPED_PLUGINS, `${module}.${name}`) : undefined;
    if (dropped?.sections.includes(section)) {
      this.drop(path, value, `${module}.${name}`, dropped, partial);
      // null removes what a template would give; with nothing to inherit, the key goes.
      return inheritsSection(this.document, entry, section) ? null : REMOVED;
    }
    return this.section(path, section, value, module, name, partial);
  }

  private drop(
    path: Path,
    value: Doc,
    from: string,
    dropped: HarvesterDroppedPlugin,
    partial: boolean,
  ): void {
    const options = Object.keys(value).filter((option) => option !== 'module' && option !== 'name');
    const dropReasons: Record<string, string> = {};
    for (const option of options) setOwn(dropReasons, option, 'the section is removed');
    this.mapped.push({
      path: dottedPath(path),
      from,
      to: 'none',
      renamed: {},
      dropped: options,
      dropReasons,
      added: {},
      notes: [dropped.note],
      inherited: partial,
      removed: true,
    });
  }

  private section(
    path: Path,
    section: HarvesterSectionName,
    value: Doc,
    module: unknown,
    name: unknown,
    partial: boolean,
  ): Doc {
    if (!isHarvesterModule(module)) return copyValue(value);
    if (typeof name !== 'string' || name === '') {
      if (!partial) {
        this.issue([...path, 'name'], `names Harvester module ${module} but no class ('name')`);
      }
      return copyValue(value);
    }
    const key = `${module}.${name}`;
    const mapping = getOwn(HARVESTER_PLUGIN_MAP, key);
    if (mapping === undefined || !mapping.sections.includes(section)) {
      // A section that only overrides options of its template's: the template is reported.
      if (!partial) {
        const { field, message } = unsupportedIssue(section, module, name);
        this.issue([...path, field], message);
      }
      return copyValue(value);
    }
    return this.rewrite(path, value, key, mapping, partial);
  }

  private rewrite(
    path: Path,
    value: Doc,
    from: string,
    mapping: HarvesterPluginMapping,
    partial: boolean,
  ): Doc {
    const out: Doc = partial ? {} : { module: mapping.module, name: mapping.name };
    const note: MappedSection = {
      path: dottedPath(path),
      from,
      to: `${mapping.module} ${mapping.name}`,
      renamed: {},
      dropped: [],
      dropReasons: {},
      added: {},
      notes: [...(mapping.notes ?? [])],
      inherited: partial,
      removed: false,
    };
    const writtenFrom = new Map<string, string>();
    for (const [option, optionValue] of Object.entries(value)) {
      if (option === 'module' || option === 'name') continue;
      const rule = getOwn(ANY_PLUGIN_RULES, option) ?? getOwn(mapping.options, option);
      const rejected = rule?.reject?.(optionValue);
      if (rejected !== undefined) {
        this.issue([...path, option], `${from}: ${rejected}`);
        continue;
      }
      const ours = mapping.ourOptions === undefined || mapping.ourOptions.includes(option);
      const dropReason =
        rule?.drop ?? (rule === undefined && !ours ? `not an option of ${note.to}` : undefined);
      if (dropReason !== undefined) {
        note.dropped.push(option);
        setOwn(note.dropReasons, option, dropReason);
        continue;
      }
      const target = rule?.to ?? option;
      const earlier = writtenFrom.get(target);
      if (earlier !== undefined) {
        this.issue(
          [...path, option],
          `both '${earlier}' and '${option}' set ${note.to}'s option '${target}'`,
        );
        continue;
      }
      writtenFrom.set(target, option);
      setOwn(out, target, copyValue(optionValue));
      if (target !== option) setOwn(note.renamed, option, target);
    }
    // The template's mapped section already carries these for a partial override.
    if (!partial) {
      for (const [option, optionValue] of Object.entries(mapping.set ?? {})) {
        if (Object.hasOwn(out, option)) continue;
        out[option] = copyValue(optionValue);
        note.added[option] = copyValue(optionValue);
      }
    }
    const changed = Object.keys(note.renamed).length > 0 || note.dropped.length > 0;
    if (!partial || changed) this.mapped.push(note);
    return out;
  }
}

/**
 * A copy of a Python Harvester panda_queueconfig.json document in which every plugin section
 * (and `credmanagers` entry) naming a `pandaharvester.*` module is rewritten to the harvester-ts
 * plugin with the same meaning. Sections naming other modules, `common`, templates and every
 * non-plugin key are copied unchanged; a queue section that only overrides options of its
 * template's Harvester section has those options mapped. The input is not modified.
 * @throws ConfigError listing every Harvester plugin (or option value) that has no faithful
 *   equivalent, and every value the mapping could not read, each with its dotted path.
 */
export function mapHarvesterQueueConfig(
  document: unknown,
  options: MapHarvesterQueueConfigOptions = {},
): HarvesterQueueConfigMapping {
  const what =
    options.source === undefined
      ? 'Harvester queue configuration'
      : `Harvester queue configuration ${options.source}`;
  const context = options.source === undefined ? {} : { source: options.source };
  if (!isPlainObject(document)) {
    throw new ConfigError(
      what,
      [
        {
          path: '',
          message: `expected an object of queues (queue name → queue configuration), received ${describeType(document)}`,
        },
      ],
      context,
    );
  }
  const mapper = new Mapper(document);
  const out: Doc = {};
  for (const [queueName, entry] of Object.entries(document)) {
    if (!isPlainObject(entry)) {
      mapper.issue([queueName], `expected a queue configuration object, received ${describeType(entry)}`);
      setOwn(out, queueName, copyValue(entry));
      continue;
    }
    setOwn(out, queueName, mapper.queue(queueName, entry));
  }
  if (mapper.issues.length > 0) throw new ConfigError(what, mapper.issues, context);
  return { document: out, mapped: mapper.mapped };
}

/** Whether any plugin section (or credmanagers entry) of the document names a `pandaharvester.*` module. */
export function looksLikeHarvesterQueueConfig(document: unknown): boolean {
  if (!isPlainObject(document)) return false;
  for (const entry of Object.values(document)) {
    if (!isPlainObject(entry)) continue;
    for (const section of PLUGIN_SECTIONS) {
      const value = entry[section];
      if (isPlainObject(value) && isHarvesterModule(value.module)) return true;
    }
    const credmanagers = entry.credmanagers;
    if (Array.isArray(credmanagers)) {
      if (credmanagers.some((item) => isPlainObject(item) && isHarvesterModule(item.module))) return true;
    }
  }
  return false;
}
