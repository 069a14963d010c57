// Service-backed tests run against real services. Locally a missing service skips those tests;
// with HARVESTER_REQUIRE_SERVICES=1 (CI) it fails them instead, naming what is missing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function servicesRequired(): boolean {
  return process.env.HARVESTER_REQUIRE_SERVICES === '1';
}

/**
 * `describe` when `available` is true; otherwise a skipped block, or under
 * HARVESTER_REQUIRE_SERVICES=1 a failing one that says why.
 */
export function describeWithService(
  service: string,
  available: boolean,
  whyNot: string,
): (name: string, fn: () => void) => void {
  if (available) return describe;
  if (servicesRequired()) {
    return (name: string) =>
      describe(name, () => {
        it(`requires ${service}`, () => {
          throw new Error(
            `${service} is required (HARVESTER_REQUIRE_SERVICES=1) but not available: ${whyNot}. ` +
              `Start it with: bash scripts/services.sh up ${service}`,
          );
        });
      });
  }
  return describe.skip;
}

const SERVICES_SCRIPT = fileURLToPath(new URL('../../../scripts/services.sh', import.meta.url));

/**
 * Runs `bash scripts/services.sh <command>` (the repository's copy, found from this module's path) and
 * throws with its stderr when it fails. Needs root for anything that starts or stops a daemon.
 */
export function runServicesScript(command: string, timeoutMs = 120_000): void {
  const r = spawnSync('bash', [SERVICES_SCRIPT, command], { encoding: 'utf8', timeout: timeoutMs });
  if (r.error) throw new Error(`services.sh ${command}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`services.sh ${command} failed (exit ${r.status ?? r.signal}): ${r.stderr.trim()}`);
  }
}
