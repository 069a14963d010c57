// Typed errors of harvester-ts. Every error carries a stable `code` and a `context` object with
// the identifiers a reader needs (queue, worker, job, path, ...), so logs stay structured.

export type ErrorContext = Record<string, unknown>;

export class HarvesterError extends Error {
  readonly code: string;
  readonly context: ErrorContext;

  constructor(code: string, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, context: this.context };
  }
}

/** A status change that the state machine forbids (reverse, out of a final state, unknown). */
export class IllegalTransitionError extends HarvesterError {
  constructor(
    readonly entity: 'worker' | 'job' | 'jobSubStatus' | 'file' | 'event',
    readonly from: string,
    readonly to: string,
    reason: string,
    context: ErrorContext = {},
  ) {
    super('ILLEGAL_TRANSITION', `illegal ${entity} transition ${from} -> ${to}: ${reason}`, {
      entity,
      from,
      to,
      ...context,
    });
  }
}

/** A job dictionary from the WMS that cannot be turned into a JobSpec and its FileSpecs. */
export class JobDictError extends HarvesterError {
  constructor(message: string, context: ErrorContext = {}) {
    super('MALFORMED_JOB_DICT', message, context);
  }
}

/** One problem in a configuration document, located by its path. */
export interface ConfigIssue {
  /** Dotted path of the offending value, e.g. `queues.CERN.submitter.nCorePerNode`. */
  path: string;
  message: string;
}

/** An invalid queue or instance configuration; `issues` lists every problem with its path. */
export class ConfigError extends HarvesterError {
  readonly issues: ConfigIssue[];

  constructor(what: string, issues: ConfigIssue[], context: ErrorContext = {}) {
    const lines = issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n');
    super('INVALID_CONFIG', `${what} is invalid:\n${lines}`, { ...context, issues });
    this.issues = issues;
  }
}

/** A plugin module/export that is not a plugin definition of the expected kind. */
export class PluginDefinitionError extends HarvesterError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('INVALID_PLUGIN', message, context, options);
  }
}

/** A plugin built for a core version range that does not include the running core. */
export class PluginCompatibilityError extends HarvesterError {
  constructor(message: string, context: ErrorContext = {}) {
    super('INCOMPATIBLE_PLUGIN', message, context);
  }
}

/** Plugin options that do not satisfy the plugin's options schema. */
export class PluginOptionsError extends HarvesterError {
  readonly issues: ConfigIssue[];

  constructor(pluginName: string, issues: ConfigIssue[], context: ErrorContext = {}) {
    const lines = issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n');
    super('INVALID_PLUGIN_OPTIONS', `invalid options for plugin ${pluginName}:\n${lines}`, {
      plugin: pluginName,
      ...context,
      issues,
    });
    this.issues = issues;
  }
}
