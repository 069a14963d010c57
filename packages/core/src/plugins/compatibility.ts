import semver from 'semver';
import { PluginCompatibilityError } from '../errors.js';
import { CORE_VERSION } from '../version.js';

export type CompatibilityResult = { ok: true } | { ok: false; reason: string };

/** Whether a plugin built for `range` of core runs with this core (prereleases included). */
export function checkCompatibility(
  plugin: { name: string; compatibility: string },
  coreVersion: string = CORE_VERSION,
): CompatibilityResult {
  if (semver.validRange(plugin.compatibility) === null) {
    return {
      ok: false,
      reason: `plugin ${plugin.name} declares an invalid core range '${plugin.compatibility}'`,
    };
  }
  if (semver.valid(coreVersion) === null) {
    return { ok: false, reason: `core version '${coreVersion}' is not a valid semver version` };
  }
  if (!semver.satisfies(coreVersion, plugin.compatibility, { includePrerelease: true })) {
    return {
      ok: false,
      reason: `plugin ${plugin.name} supports @harvester-ts/core ${plugin.compatibility}, but ${coreVersion} is running`,
    };
  }
  return { ok: true };
}

export function assertCompatible(
  plugin: { name: string; compatibility: string },
  coreVersion: string = CORE_VERSION,
  context: Record<string, unknown> = {},
): void {
  const result = checkCompatibility(plugin, coreVersion);
  if (!result.ok) {
    throw new PluginCompatibilityError(result.reason, {
      plugin: plugin.name,
      compatibility: plugin.compatibility,
      coreVersion,
      ...context,
    });
  }
}
