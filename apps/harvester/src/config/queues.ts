// The queues of a configuration: an inline panda_queueconfig object or a file (ours or Python
// Harvester's), with `${dataDir}` / `${configDir}` expanded and the built-in template added.
import { resolve } from 'node:path';
import {
  ConfigError,
  type ConfigIssue,
  type QueueConfig,
  safeParseQueueConfigFile,
} from '@harvester-ts/core';
import { WORKER_WRAPPER_PATH } from '@harvester-ts/engine';
import { defaultQueues, LOCAL_TEMPLATE_NAME, localQueueTemplate } from './embedded-default.js';
import {
  looksLikeHarvesterQueueConfig,
  type MappedSection,
  mapHarvesterQueueConfig,
} from './harvester-modules.js';
import { parseJsonFile } from './read-config-file.js';

export interface ResolvedQueues {
  /** Where the queues came from: a file path, `inline` or `embedded default`. */
  source: string;
  /** The document as parsed (after placeholders, module mapping and built-in templates). */
  document: Record<string, unknown>;
  queues: Record<string, QueueConfig>;
  /** What was changed on the way (Harvester modules mapped, options or sections dropped). */
  notes: string[];
}

/** The app's placeholders; every other `${...}` (e.g. `${workerID}`) is left for the plugins. */
function expandPlaceholders(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{(dataDir|configDir)\}/g, (_m, name: string) => vars[name] ?? '');
  }
  if (Array.isArray(value)) return value.map((v) => expandPlaceholders(v, vars));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandPlaceholders(v, vars)]));
  }
  return value;
}

function usesTemplate(document: Record<string, unknown>, name: string): boolean {
  return Object.values(document).some(
    (entry) =>
      typeof entry === 'object' &&
      entry !== null &&
      (entry as { templateQueueName?: unknown }).templateQueueName === name,
  );
}

export function resolveQueues(
  spec: string | Record<string, unknown> | undefined,
  dirs: { configDir: string; dataDir: string },
): ResolvedQueues {
  let source: string;
  let raw: unknown;
  if (spec === undefined) {
    source = 'embedded default';
    raw = defaultQueues();
  } else if (typeof spec === 'string') {
    source = resolve(dirs.configDir, spec);
    raw = parseJsonFile(source, 'queue configuration');
  } else {
    source = 'inline';
    raw = spec;
  }
  const notes: string[] = [];
  let removed: MappedSection[] = [];
  if (looksLikeHarvesterQueueConfig(raw)) {
    const mapped = mapHarvesterQueueConfig(raw, { source });
    raw = mapped.document;
    for (const m of mapped.mapped) notes.push(describeMapped(m));
    removed = mapped.mapped.filter((m) => m.removed);
  }
  let document = expandPlaceholders(raw, dirs) as Record<string, unknown>;
  if (
    typeof document === 'object' &&
    document !== null &&
    !Array.isArray(document) &&
    !(LOCAL_TEMPLATE_NAME in document) &&
    usesTemplate(document, LOCAL_TEMPLATE_NAME)
  ) {
    document = { [LOCAL_TEMPLATE_NAME]: localQueueTemplate(dirs.dataDir), ...document };
  }
  const parsed = safeParseQueueConfigFile(document);
  if (!parsed.ok) {
    throw new ConfigError(`queue configuration ${source}`, explainRemoved(parsed.issues, removed, document), {
      source,
    });
  }
  const queues = withWorkerWrapper(parsed.value as Record<string, QueueConfig>);
  return { source, document, queues, notes };
}

/**
 * A queue with jobs left without a preparator or stager because the Harvester plugin its file
 * (or its template) named was dropped: say so next to core's "missing mandatory plugin section".
 */
function explainRemoved(
  issues: readonly ConfigIssue[],
  removed: readonly MappedSection[],
  document: Record<string, unknown>,
): ConfigIssue[] {
  if (removed.length === 0) return [...issues];
  const byPath = new Map(removed.map((m) => [m.path, m]));
  return issues.map((issue) => {
    const dot = issue.path.lastIndexOf('.');
    const section = issue.path.slice(dot + 1);
    if (dot < 0 || (section !== 'preparator' && section !== 'stager')) return issue;
    // The queue itself, then its templates: the nearest removed section is the one it lost.
    const seen = new Set<string>();
    let name: unknown = issue.path.slice(0, dot);
    while (typeof name === 'string' && !seen.has(name)) {
      seen.add(name);
      const m = byPath.get(`${name}.${section}`);
      if (m !== undefined) {
        const className = m.from.slice(m.from.lastIndexOf('.') + 1);
        return {
          path: issue.path,
          message: `${issue.message}; Harvester's ${className} (${m.path}) was dropped: it moves no data`,
        };
      }
      const entry = Object.hasOwn(document, name) ? document[name] : undefined;
      name =
        typeof entry === 'object' && entry !== null
          ? (entry as { templateQueueName?: unknown }).templateQueueName
          : undefined;
    }
    return issue;
  });
}

/**
 * Submitters of the batch-system packages run the engine's worker wrapper; they take its argv as
 * `executable` (a plugin never imports the engine). Where a queue does not say, it is this app's
 * wrapper — what an operator (or a mapped Harvester configuration) means.
 */
export const WRAPPER_SUBMITTER_MODULES: readonly string[] = [
  '@harvester-ts/local',
  '@harvester-ts/slurm',
  '@harvester-ts/htcondor',
  '@harvester-ts/docker',
];

function withWorkerWrapper(queues: Record<string, QueueConfig>): Record<string, QueueConfig> {
  for (const queue of Object.values(queues)) {
    const q = queue as unknown as { submitter?: Record<string, unknown> };
    const submitter = q.submitter;
    if (
      submitter &&
      WRAPPER_SUBMITTER_MODULES.includes(String(submitter.module)) &&
      submitter.executable === undefined
    ) {
      q.submitter = { ...submitter, executable: ['sh', WORKER_WRAPPER_PATH] };
    }
  }
  return queues;
}

function describeMapped(m: {
  path: string;
  from: string;
  to: string;
  dropped?: readonly string[];
  renamed?: Readonly<Record<string, string>>;
  removed?: boolean;
  notes?: readonly string[];
}): string {
  // A removed section: the note says why (e.g. DummyPreparator on a NoJob queue).
  if (m.removed) return [`${m.path}: ${m.from} → ${m.to}`, ...(m.notes ?? [])].join('; ');
  const parts = [`${m.path}: ${m.from} → ${m.to}`];
  if (m.renamed && Object.keys(m.renamed).length > 0) {
    parts.push(
      `renamed ${Object.entries(m.renamed)
        .map(([a, b]) => `${a}→${b}`)
        .join(', ')}`,
    );
  }
  if (m.dropped && m.dropped.length > 0) parts.push(`dropped ${m.dropped.join(', ')}`);
  return parts.join('; ');
}
