// The host side of the plugin contract: from whatever a module exported to a working instance.
// Every error names where the plugin was configured (queue, section, module, export).
import { PluginDefinitionError, PluginOptionsError } from '../errors.js';
import { CORE_VERSION } from '../version.js';
import { checkCompatibility } from './compatibility.js';
import type { PluginContext } from './context.js';
import { isPluginDefinition, PLUGIN_BRAND, type PluginDefinition } from './define.js';
import { validateOptions } from './options-schema.js';
import { type PluginInstanceMap, type PluginKind, REQUIRED_METHODS } from './plugin-kind.js';

/** Where a plugin was configured, for error messages. */
export interface PluginLocation {
  /** Undefined for instance-wide plugins (the communicator). */
  queue?: string;
  /** The queue-config section, e.g. `submitter`. */
  section: string;
  module: string;
  /** The export name (`name` in the section). */
  exportName: string;
}

export function describeLocation(where: PluginLocation): string {
  const parts = [
    where.queue === undefined ? undefined : `queue ${where.queue}`,
    `section ${where.section}`,
    `module ${where.module}`,
    `export ${where.exportName}`,
  ].filter((p): p is string => p !== undefined);
  return parts.join(', ');
}

function locationContext(where: PluginLocation): Record<string, unknown> {
  return { ...where };
}

/** Checks that a value is a plugin definition of the expected kind; throws naming the location. */
export function assertPluginDefinition<K extends PluginKind>(
  value: unknown,
  expectedKind: K,
  where: PluginLocation,
): PluginDefinition<K, unknown> {
  const at = describeLocation(where);
  if (value === undefined) {
    throw new PluginDefinitionError(
      `${at}: the module has no export named '${where.exportName}'`,
      locationContext(where),
    );
  }
  if (!isPluginDefinition(value)) {
    const brand = (value as { $$type?: unknown } | null)?.$$type;
    const hint =
      typeof brand === 'string' && brand.startsWith('@harvester-ts/plugin')
        ? ` (it carries brand '${brand}', this core expects '${PLUGIN_BRAND}')`
        : ' (make it with one of the define* helpers of @harvester-ts/core)';
    throw new PluginDefinitionError(
      `${at}: export '${where.exportName}' is not a harvester-ts plugin${hint}`,
      {
        ...locationContext(where),
      },
    );
  }
  if (value.kind !== expectedKind) {
    throw new PluginDefinitionError(
      `${at}: plugin ${value.name} is a ${value.kind}, but section ${where.section} needs a ${expectedKind}`,
      { ...locationContext(where), plugin: value.name, kind: value.kind, expectedKind },
    );
  }
  return value as PluginDefinition<K, unknown>;
}

/** Strips the section's `module` and `name`, which address the plugin and are not options. */
export function optionsOfSection(section: Record<string, unknown>): Record<string, unknown> {
  const { module: _module, name: _name, ...options } = section;
  return options;
}

export interface InstantiateOptions {
  /** Defaults to the running core's version. */
  coreVersion?: string;
}

/**
 * Brand check → kind check → compatibility check → options validation → create → shape check.
 * `rawOptions` are the section's options (without module and name).
 */
export async function instantiatePlugin<K extends PluginKind>(
  value: unknown,
  expectedKind: K,
  rawOptions: Record<string, unknown>,
  ctx: PluginContext,
  where: PluginLocation,
  { coreVersion = CORE_VERSION }: InstantiateOptions = {},
): Promise<PluginInstanceMap[K]> {
  const definition = assertPluginDefinition(value, expectedKind, where);
  const at = describeLocation(where);

  const compat = checkCompatibility(definition, coreVersion);
  if (!compat.ok) {
    throw new PluginDefinitionError(`${at}: ${compat.reason}`, {
      ...locationContext(where),
      plugin: definition.name,
      compatibility: definition.compatibility,
      coreVersion,
    });
  }

  let options: unknown = rawOptions;
  if (definition.options) {
    const validation = await validateOptions(definition.options, rawOptions, where.section);
    if (!validation.ok) {
      throw new PluginOptionsError(definition.name, validation.issues, locationContext(where));
    }
    options = validation.value;
  }

  let instance: unknown;
  try {
    instance = await definition.create(options, ctx);
  } catch (err) {
    throw new PluginDefinitionError(
      `${at}: plugin ${definition.name} failed to start: ${(err as Error)?.message ?? String(err)}`,
      { ...locationContext(where), plugin: definition.name },
      { cause: err },
    );
  }
  if (typeof instance !== 'object' || instance === null) {
    throw new PluginDefinitionError(`${at}: plugin ${definition.name}: create() returned no instance`, {
      ...locationContext(where),
      plugin: definition.name,
    });
  }
  const missing = (REQUIRED_METHODS[expectedKind] as readonly string[]).filter(
    (m) => typeof (instance as Record<string, unknown>)[m] !== 'function',
  );
  if (missing.length > 0) {
    throw new PluginDefinitionError(
      `${at}: ${expectedKind} plugin ${definition.name} lacks required method(s): ${missing.join(', ')}`,
      { ...locationContext(where), plugin: definition.name, missing },
    );
  }
  return instance as PluginInstanceMap[K];
}
