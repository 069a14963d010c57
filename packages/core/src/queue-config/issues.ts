// zod issues → ConfigIssue ({ path, message }) with dotted paths such as
// `CERN_TEST.submitter.module`, one issue per problem (an unknown key each, the failing branch of
// a union rather than "invalid input").
import type { z } from 'zod';
import type { ConfigIssue } from '../errors.js';

export type IssuePath = readonly PropertyKey[];

/** `['CERN', 'credmanagers', 0, 'module']` → `CERN.credmanagers.0.module`. */
export function dottedPath(path: IssuePath): string {
  return path.map((seg) => (typeof seg === 'symbol' ? (seg.description ?? '') : String(seg))).join('.');
}

export interface FormatIssuesOptions {
  /** Segments put in front of every path (e.g. the queue name). */
  prefix?: IssuePath;
  /** Message for a key a strict object does not know; default `unknown key '<key>'`. */
  unknownKeyMessage?: (key: string, path: IssuePath) => string;
}

function isRootTypeMismatch(branch: readonly z.core.$ZodIssue[]): boolean {
  return branch.length > 0 && branch.every((i) => i.code === 'invalid_type' && i.path.length === 0);
}

function collect(
  issues: readonly z.core.$ZodIssue[],
  prefix: IssuePath,
  options: FormatIssuesOptions,
  out: Array<{ path: IssuePath; message: string }>,
): void {
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const keyPath = [...path, key];
          out.push({
            path: keyPath,
            message: options.unknownKeyMessage?.(key, keyPath) ?? `unknown key '${key}'`,
          });
        }
        break;
      case 'invalid_union': {
        // When every branch but one failed on the type alone, the value was meant for that branch:
        // report its issues, which say what is wrong, instead of a bare "invalid input".
        const candidates = issue.errors.filter((branch) => !isRootTypeMismatch(branch));
        const [only] = candidates;
        if (candidates.length === 1 && only !== undefined) collect(only, path, options, out);
        else out.push({ path, message: issue.message });
        break;
      }
      case 'invalid_key':
      case 'invalid_element': {
        const inner = issue.issues.map((i) => i.message).join('; ');
        const key = path.at(-1);
        out.push({
          path,
          message: `invalid key${key === undefined ? '' : ` '${String(key)}'`}: ${inner || issue.message}`,
        });
        break;
      }
      default:
        out.push({ path, message: issue.message });
    }
  }
}

/** Turns zod issues into ConfigIssues with dotted paths; duplicates are dropped. */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  options: FormatIssuesOptions = {},
): ConfigIssue[] {
  const raw: Array<{ path: IssuePath; message: string }> = [];
  collect(issues, options.prefix ?? [], options, raw);
  const seen = new Set<string>();
  const result: ConfigIssue[] = [];
  for (const { path, message } of raw) {
    const dotted = dottedPath(path);
    const id = `${dotted}\u0000${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    result.push({ path: dotted, message });
  }
  return result;
}

/**
 * Issues of a whole file, grouped by queue so that they come out in the order of the file
 * whatever the phase (entry validation, template resolution, resolved-queue validation) found them.
 */
export class QueueIssueCollector {
  private readonly byQueue = new Map<string, ConfigIssue[]>();
  private readonly root: ConfigIssue[] = [];

  /** An issue of the file itself (not of a queue). */
  addRoot(message: string): void {
    this.root.push({ path: '', message });
  }

  /** An issue of `queue`, at `path` relative to the queue. */
  add(queue: string, path: IssuePath, message: string): void {
    this.listOf(queue).push({ path: dottedPath([queue, ...path]), message });
  }

  /** Issues already formatted with the queue name as the first path segment. */
  addFormatted(queue: string, issues: readonly ConfigIssue[]): void {
    this.listOf(queue).push(...issues);
  }

  get size(): number {
    let n = this.root.length;
    for (const list of this.byQueue.values()) n += list.length;
    return n;
  }

  /** Root issues first, then queue by queue in `order` (queues not in `order` last). */
  sorted(order: readonly string[]): ConfigIssue[] {
    const rank = new Map(order.map((name, i) => [name, i]));
    const queues = [...this.byQueue.keys()].sort(
      (a, b) => (rank.get(a) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b) ?? Number.MAX_SAFE_INTEGER),
    );
    return [...this.root, ...queues.flatMap((q) => this.byQueue.get(q) ?? [])];
  }

  private listOf(queue: string): ConfigIssue[] {
    let list = this.byQueue.get(queue);
    if (list === undefined) {
      list = [];
      this.byQueue.set(queue, list);
    }
    return list;
  }
}
