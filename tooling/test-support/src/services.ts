// Service-backed tests run against real services. Locally a missing service skips those tests;
// with HARVESTER_REQUIRE_SERVICES=1 (CI) it fails them instead, naming what is missing.
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
