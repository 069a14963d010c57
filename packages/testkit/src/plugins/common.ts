// Shared by the testkit plugins.
import { resolve, sep } from 'node:path';
import type { Outcome } from '@harvester-ts/core';
import type { PluginActionRecord, Simulation, TestkitPluginName } from '../registry.js';

/** The @harvester-ts/core versions the testkit plugins are built for. */
export const TESTKIT_COMPATIBILITY = '^0.1.0';

/** Whether `text` matches a glob pattern (`*` any run of characters, `?` one character). */
export function globMatch(pattern: string, text: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(text);
}

export function matchesAny(patterns: readonly string[], text: string): boolean {
  return patterns.some((p) => globMatch(p, text));
}

/**
 * Why a name from WMS data cannot be used as one path segment (empty, `.`/`..`, a separator,
 * NUL or a newline), or undefined when it can.
 */
export function unsafeSegment(name: string | null | undefined): string | undefined {
  if (name === null || name === undefined || name === '') return 'is empty';
  if (name === '.' || name === '..') return `is '${name}'`;
  if (/[/\\]/.test(name)) return 'contains a path separator';
  if (/[\0\n\r]/.test(name)) return 'contains a NUL or newline character';
  return undefined;
}

/** `root/segments...`, refusing any segment that is unsafe or a result outside root. */
export function safeJoin(root: string, segments: readonly string[]): { path: string } | { error: string } {
  for (const s of segments) {
    const why = unsafeSegment(s);
    if (why !== undefined) return { error: `unsafe path component ${JSON.stringify(s)}: ${why}` };
  }
  const base = resolve(root);
  const path = resolve(base, ...segments);
  if (!path.startsWith(base + sep)) return { error: `path ${path} is outside ${base}` };
  return { path };
}

/** Records the outcome of a plugin call in the simulation and returns it. */
export function record<O extends Outcome<unknown>>(
  sim: Simulation,
  plugin: TestkitPluginName,
  method: string,
  id: number,
  outcome: O,
): O {
  const entry: PluginActionRecord = { plugin, method, id, outcome: outcome.kind, at: sim.now() };
  if (outcome.diag !== undefined) entry.diag = outcome.diag;
  sim.records.actions.push(entry);
  return outcome;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
