// Template resolution, as a pure function: template ← queue, then Harvester's defaults.
//
// - Plugin sections and `common` are merged key by key: a queue may change one option of its
//   template's submitter without repeating module and name. A section naming another plugin
//   (another module or name) replaces the template's section instead: another plugin's options
//   would be meaningless. Options are merged one level deep (like Harvester's dict.update).
// - Every other key, credmanagers included, is replaced as a whole; null clears an inherited value
//   (for an optional section: removes it).
// - Templates may themselves name a template (Harvester ignores templateQueueName in templates);
//   chains are followed and cycles reported. isTemplateQueue and templateQueueName are never
//   inherited.
// - A queue must name a template; naming a concrete queue is an error.
import { cloneConfigValue } from './clone.js';
import { didYouMean } from './did-you-mean.js';
import type { QueueConfigFile } from './file.js';
import { formatIssues, QueueIssueCollector } from './issues.js';
import { isPluginSectionName } from './plugin-section.js';
import { type QueueConfig, queueConfigSchema } from './queue-config.js';
import { describeUnknownQueueKey, type QueueConfigEntry } from './queue-entry.js';
import { splitQueueName, TEMPLATE_SUFFIX } from './queue-names.js';
import type { QueueConfigResult, ResolvedQueueConfigs } from './result.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function namesAnotherPlugin(current: Record<string, unknown>, next: Record<string, unknown>): boolean {
  return (
    (next.module !== undefined && next.module !== current.module) ||
    (next.name !== undefined && next.name !== current.name)
  );
}

/**
 * `override` laid over `base` with the merge rules of templates (see the top of this file).
 * Neither argument is modified; the result shares no object with them.
 */
export function mergeQueueEntries(base: QueueConfigEntry, override: QueueConfigEntry): QueueConfigEntry {
  const merged: Record<string, unknown> = cloneConfigValue(base);
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const current = merged[key];
    const keyWise = key === 'common' || isPluginSectionName(key);
    if (keyWise && isPlainObject(current) && isPlainObject(value)) {
      merged[key] =
        key !== 'common' && namesAnotherPlugin(current, value)
          ? cloneConfigValue(value)
          : { ...current, ...cloneConfigValue(value) };
    } else {
      merged[key] = cloneConfigValue(value);
    }
  }
  return merged as QueueConfigEntry;
}

function withoutTemplateKeys(entry: QueueConfigEntry): QueueConfigEntry {
  const { isTemplateQueue: _is, templateQueueName: _name, ...rest } = entry;
  return rest;
}

/** One entry of the file as the resolver sees it. */
export interface EntryState {
  /** The parsed entry when valid; the raw value otherwise (undefined when it is not an object). */
  entry: Record<string, unknown> | undefined;
  /** Whether the entry (and its name) passed validation. */
  valid: boolean;
  /** Dotted paths already reported for this entry; later findings at or under them are dropped. */
  reported: readonly string[];
}

function overlaps(path: string, reported: readonly string[]): boolean {
  return reported.some((p) => p === path || path.startsWith(`${p}.`) || p.startsWith(`${path}.`));
}

/**
 * Resolves templates and validates every concrete queue. Queues whose own entry is invalid are
 * still merged and validated, so that problems only visible after the merge (a missing section,
 * a missing accessPoint) are reported together with the entry's own; findings at paths already
 * reported are dropped. Queues based on an invalid template are skipped: the template's issues
 * say what to fix. Issues go to `issues`; returns the queues that resolved cleanly.
 */
export function resolveEntries(
  entries: ReadonlyMap<string, EntryState>,
  issues: QueueIssueCollector,
): ResolvedQueueConfigs {
  const isTemplate = (name: string): boolean => {
    const entry = entries.get(name)?.entry;
    return name.endsWith(TEMPLATE_SUFFIX) || entry?.isTemplateQueue === true;
  };
  const templateOf = (name: string): string | undefined => {
    const template = entries.get(name)?.entry?.templateQueueName;
    return typeof template === 'string' ? template : undefined;
  };
  const templateNames = [...entries.keys()].filter(isTemplate);
  /** Templates and queues that cannot be resolved (their issues are reported already). */
  const broken = new Set<string>();

  /** Adds an issue unless the entry's own validation already reported that path. */
  const report = (name: string, key: string, message: string): void => {
    if (!overlaps(`${name}.${key}`, entries.get(name)?.reported ?? [])) issues.add(name, [key], message);
  };
  for (const [name, state] of entries) {
    const entry = state.entry;
    if (entry === undefined || (!state.valid && isTemplate(name))) broken.add(name);
    if (entry === undefined) continue;
    if (entry.isTemplateQueue === false && name.endsWith(TEMPLATE_SUFFIX)) {
      report(
        name,
        'isTemplateQueue',
        `is false, but a name ending in ${TEMPLATE_SUFFIX} makes the entry a template: rename the queue or remove isTemplateQueue`,
      );
      broken.add(name);
    }
    const template = templateOf(name);
    if (template === undefined) {
      // A template reference of the wrong type (reported by the entry's validation): merging
      // without the template would only add noise.
      if (entry.templateQueueName !== undefined) broken.add(name);
      continue;
    }
    if (!entries.has(template)) {
      report(
        name,
        'templateQueueName',
        `unknown template '${template}'${didYouMean(template, templateNames)}`,
      );
      broken.add(name);
    } else if (!isTemplate(template)) {
      report(
        name,
        'templateQueueName',
        `'${template}' is a queue, not a template (a template's name ends in ${TEMPLATE_SUFFIX} or it sets isTemplateQueue: true)`,
      );
      broken.add(name);
    }
  }

  // Chains: template names from the direct template to the root one; undefined when unusable.
  const reportedCycles = new Set<string>();
  const chainOf = (name: string): string[] | undefined => {
    const chain: string[] = [];
    const visited = [name];
    let current = templateOf(name);
    while (current !== undefined) {
      const cycleStart = visited.indexOf(current);
      if (cycleStart >= 0) {
        const cycle = visited.slice(cycleStart);
        const id = [...cycle].sort().join('\u0000');
        if (!reportedCycles.has(id)) {
          reportedCycles.add(id);
          const first = cycle[0]!;
          issues.add(first, ['templateQueueName'], `template cycle: ${[...cycle, first].join(' → ')}`);
        }
        for (const member of cycle) broken.add(member);
        return undefined;
      }
      if (broken.has(current)) return undefined;
      chain.push(current);
      visited.push(current);
      current = templateOf(current);
    }
    return chain;
  };
  // Check every template (even unused ones) for cycles, in file order.
  for (const name of templateNames) if (!broken.has(name)) chainOf(name);

  const queues: ResolvedQueueConfigs = {};
  for (const [name, state] of entries) {
    if (state.entry === undefined || broken.has(name) || isTemplate(name)) continue;
    const chain = chainOf(name);
    if (chain === undefined) continue;
    let merged: QueueConfigEntry = {};
    for (const template of [...chain].reverse()) {
      merged = mergeQueueEntries(
        merged,
        withoutTemplateKeys(entries.get(template)!.entry as QueueConfigEntry),
      );
    }
    const { isTemplateQueue: _is, ...own } = state.entry as QueueConfigEntry;
    merged = mergeQueueEntries(merged, own);

    const found = new QueueIssueCollector();
    const { resourceType } = splitQueueName(name);
    if (resourceType !== undefined && own.resourceType !== undefined && own.resourceType !== resourceType) {
      found.add(
        name,
        ['resourceType'],
        `'${String(own.resourceType)}' contradicts the resource type '${resourceType}' in the queue name`,
      );
    }
    const result = queueConfigSchema.safeParse({
      ...merged,
      queueName: name,
      ...(resourceType === undefined ? {} : { resourceType }),
    });
    if (!result.success) {
      found.addFormatted(
        name,
        formatIssues(result.error.issues, { prefix: [name], unknownKeyMessage: describeUnknownQueueKey }),
      );
    }
    const fresh = found.sorted([name]).filter((issue) => !overlaps(issue.path, state.reported));
    issues.addFormatted(name, fresh);
    if (state.valid && found.size === 0 && result.success) queues[name] = result.data satisfies QueueConfig;
  }
  return queues;
}

/**
 * Resolves the templates of an already parsed file: the concrete queues (templates excluded) with
 * their templates merged and defaults applied, or every issue found.
 */
export function resolveQueueTemplates(file: QueueConfigFile): QueueConfigResult {
  const issues = new QueueIssueCollector();
  const entries = new Map<string, EntryState>(
    Object.entries(file).map(([name, entry]) => [name, { entry, valid: true, reported: [] }]),
  );
  const queues = resolveEntries(entries, issues);
  if (issues.size > 0) return { ok: false, issues: issues.sorted([...entries.keys()]) };
  return { ok: true, value: queues };
}
