// define* helpers: a plugin is a branded plain object, so the host recognises it by a string
// brand (robust when two copies of core are installed, unlike instanceof), checks the core
// version range it was built for, validates its options, then calls create().
import semver from 'semver';
import { PluginDefinitionError } from '../errors.js';
import type { PluginContext } from './context.js';
import { completeSweeper } from './kinds/sweeper.js';
import { completeWorkerMaker } from './kinds/worker-maker.js';
import type { StandardSchemaV1 } from './options-schema.js';
import { isStandardSchema } from './options-schema.js';
import type { PluginImplementationMap, PluginInstanceMap, PluginKind } from './plugin-kind.js';

/** The brand every plugin definition carries in `$$type`; bumped only if the shape changes. */
export const PLUGIN_BRAND = '@harvester-ts/plugin@1' as const;

/** Options a plugin without a schema receives: the section's keys other than module and name. */
export type UnvalidatedOptions = Record<string, unknown>;

export type OptionsOf<S> = S extends StandardSchemaV1<unknown, infer O> ? O : UnvalidatedOptions;

export interface PluginDefinition<K extends PluginKind = PluginKind, O = unknown> {
  readonly $$type: typeof PLUGIN_BRAND;
  readonly kind: K;
  /** Unique within its package; what a queue-config section's `name` refers to in logs. */
  readonly name: string;
  /** The semver range of @harvester-ts/core the plugin works with, e.g. `^0.1.0`. */
  readonly compatibility: string;
  readonly description: string | undefined;
  /** Schema of the options (any Standard Schema, e.g. zod); undefined: options are passed as given. */
  readonly options: StandardSchemaV1<unknown, O> | undefined;
  create(options: O, ctx: PluginContext): Promise<PluginInstanceMap[K]>;
}

/** What a plugin author writes. */
export interface PluginSpec<K extends PluginKind, S extends StandardSchemaV1 | undefined> {
  name: string;
  compatibility: string;
  description?: string;
  options?: S;
  create(
    options: OptionsOf<S>,
    ctx: PluginContext,
  ): PluginImplementationMap[K] | Promise<PluginImplementationMap[K]>;
}

const completers: { [K in PluginKind]?: (impl: PluginImplementationMap[K]) => PluginInstanceMap[K] } = {
  sweeper: completeSweeper,
  workerMaker: completeWorkerMaker,
};

function definePlugin<K extends PluginKind, S extends StandardSchemaV1 | undefined>(
  kind: K,
  spec: PluginSpec<K, S>,
): PluginDefinition<K, OptionsOf<S>> {
  const where = { kind, name: (spec as { name?: unknown })?.name };
  if (typeof spec !== 'object' || spec === null) {
    throw new PluginDefinitionError(`define ${kind}: expected a plugin spec object`, where);
  }
  if (typeof spec.name !== 'string' || spec.name.trim() === '') {
    throw new PluginDefinitionError(`define ${kind}: 'name' must be a non-empty string`, where);
  }
  if (typeof spec.compatibility !== 'string' || semver.validRange(spec.compatibility) === null) {
    throw new PluginDefinitionError(
      `${kind} plugin ${spec.name}: 'compatibility' must be a semver range of @harvester-ts/core (got ${JSON.stringify(spec.compatibility)})`,
      where,
    );
  }
  if (spec.options !== undefined && !isStandardSchema(spec.options)) {
    throw new PluginDefinitionError(
      `${kind} plugin ${spec.name}: 'options' must be a Standard Schema (e.g. a zod schema)`,
      where,
    );
  }
  if (typeof spec.create !== 'function') {
    throw new PluginDefinitionError(`${kind} plugin ${spec.name}: 'create' must be a function`, where);
  }
  const complete = completers[kind] as
    | ((impl: PluginImplementationMap[K]) => PluginInstanceMap[K])
    | undefined;
  const definition: PluginDefinition<K, OptionsOf<S>> = {
    $$type: PLUGIN_BRAND,
    kind,
    name: spec.name,
    compatibility: spec.compatibility,
    description: spec.description,
    options: spec.options as StandardSchemaV1<unknown, OptionsOf<S>> | undefined,
    async create(options, ctx) {
      const impl = await spec.create(options, ctx);
      if (complete && typeof impl === 'object' && impl !== null) return complete(impl);
      return impl as PluginInstanceMap[K];
    },
  };
  return Object.freeze(definition);
}

export function definePreparator<S extends StandardSchemaV1 | undefined = undefined>(
  spec: PluginSpec<'preparator', S>,
): PluginDefinition<'preparator', OptionsOf<S>> {
  return definePlugin('preparator', spec);
}

export function defineStager<S extends StandardSchemaV1 | undefined = undefined>(
  spec: PluginSpec<'stager', S>,
): PluginDefinition<'stager', OptionsOf<S>> {
  return definePlugin('stager', spec);
}

export function defineMonitor<S extends StandardSchemaV1 | undefined = undefined>(
  spec: PluginSpec<'monitor', S>,
): PluginDefinition<'monitor', OptionsOf<S>> {
  return definePlugin('monitor', spec);
}

export function defineSubmitter<S extends StandardSchemaV1 | undefined = undefined>(
  spec: PluginSpec<'submitter', S>,
): PluginDefinition<'submitter', OptionsOf<S>> {
  return definePlugin('submitter', spec);
}

export function defineSweeper<S extends StandardSchemaV1 | undefined = undefined>(
  spec: PluginSpec<'sweeper', S>,
): PluginDefinition<'sweeper', OptionsOf<S>> {
  return definePlugin('sweeper', spec);
}

export function defineWorkerMaker<S extends StandardSchemaV1 | undefined = undefined>(
  spec: PluginSpec<'workerMaker', S>,
): PluginDefinition<'workerMaker', OptionsOf<S>> {
  return definePlugin('workerMaker', spec);
}

export function defineCommunicator<S extends StandardSchemaV1 | undefined = undefined>(
  spec: PluginSpec<'communicator', S>,
): PluginDefinition<'communicator', OptionsOf<S>> {
  return definePlugin('communicator', spec);
}

export function defineMessenger<S extends StandardSchemaV1 | undefined = undefined>(
  spec: PluginSpec<'messenger', S>,
): PluginDefinition<'messenger', OptionsOf<S>> {
  return definePlugin('messenger', spec);
}

export function defineThrottler<S extends StandardSchemaV1 | undefined = undefined>(
  spec: PluginSpec<'throttler', S>,
): PluginDefinition<'throttler', OptionsOf<S>> {
  return definePlugin('throttler', spec);
}

/** Whether a value carries the plugin brand (any kind). */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return (
    typeof value === 'object' && value !== null && (value as { $$type?: unknown }).$$type === PLUGIN_BRAND
  );
}
