// The entry point: a parsed JSON document → the concrete queues, or every problem at once.
import { ConfigError } from '../errors.js';
import { formatIssues, QueueIssueCollector } from './issues.js';
import { describeUnknownQueueKey, queueConfigEntrySchema } from './queue-entry.js';
import { queueNameSchema } from './queue-names.js';
import type { QueueConfigResult, ResolvedQueueConfigs } from './result.js';
import { type EntryState, resolveEntries } from './templates.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/**
 * Validates a queue configuration document (the parsed JSON of a panda_queueconfig.json) and
 * resolves its templates. Never throws: returns the concrete queues, or every issue, each with the
 * dotted path of the offending value (`CERN_TEST.submitter.module`).
 */
export function safeParseQueueConfigFile(json: unknown): QueueConfigResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return {
      ok: false,
      issues: [
        {
          path: '',
          message: `expected an object of queues (queue name → queue configuration), received ${describeType(json)}`,
        },
      ],
    };
  }
  const issues = new QueueIssueCollector();
  const entries = new Map<string, EntryState>();
  for (const [name, raw] of Object.entries(json)) {
    const nameCheck = queueNameSchema.safeParse(name);
    if (!nameCheck.success) {
      issues.add(name, [], `invalid queue name '${name}': ${nameCheck.error.issues[0]?.message ?? ''}`);
    }
    const parsed = queueConfigEntrySchema.safeParse(raw);
    const entryIssues = parsed.success
      ? []
      : formatIssues(parsed.error.issues, { prefix: [name], unknownKeyMessage: describeUnknownQueueKey });
    issues.addFormatted(name, entryIssues);
    entries.set(name, {
      entry: parsed.success ? parsed.data : isPlainObject(raw) ? raw : undefined,
      valid: parsed.success && nameCheck.success,
      reported: entryIssues.map((i) => i.path),
    });
  }
  const queues = resolveEntries(entries, issues);
  if (issues.size > 0) return { ok: false, issues: issues.sorted([...entries.keys()]) };
  return { ok: true, value: queues };
}

export interface ParseQueueConfigOptions {
  /** Where the document comes from (a file path or URL), for the error message. */
  source?: string;
}

/**
 * Like `safeParseQueueConfigFile`, but throws a ConfigError listing every issue.
 * @throws ConfigError
 */
export function parseQueueConfigFile(
  json: unknown,
  options: ParseQueueConfigOptions = {},
): ResolvedQueueConfigs {
  const result = safeParseQueueConfigFile(json);
  if (result.ok) return result.value;
  const what = options.source === undefined ? 'queue configuration' : `queue configuration ${options.source}`;
  throw new ConfigError(what, result.issues, options.source === undefined ? {} : { source: options.source });
}
