// Errors the simulated services throw, all HarvesterErrors with stable codes.
import { type ErrorContext, HarvesterError } from '@harvester-ts/core';

/** The simulated batch system is down (like a controller that does not answer). */
export class BatchSystemUnavailableError extends HarvesterError {
  constructor(operation: string, context: ErrorContext = {}) {
    super('BATCH_SYSTEM_UNAVAILABLE', `simulated batch system unavailable during ${operation}`, {
      operation,
      ...context,
    });
  }
}

/** The simulated WMS does not answer; nothing of the call was applied. */
export class WmsUnavailableError extends HarvesterError {
  constructor(operation: string, context: ErrorContext = {}) {
    super('WMS_UNAVAILABLE', `simulated WMS unavailable during ${operation}`, { operation, ...context });
  }
}

/**
 * The simulated WMS applied the call but its answer was garbage (a truncated or non-JSON body);
 * the caller cannot know what happened and must retry.
 */
export class WmsGarbledResponseError extends HarvesterError {
  readonly raw: string;

  constructor(operation: string, raw: string, context: ErrorContext = {}) {
    super('WMS_GARBLED_RESPONSE', `simulated WMS sent a malformed response to ${operation}`, {
      operation,
      raw,
      ...context,
    });
    this.raw = raw;
  }
}

/** A testkit plugin names a simulation (or a part of one) that is not registered. */
export class SimulationNotFoundError extends HarvesterError {
  constructor(name: string, part: string | undefined, registered: string[]) {
    const what = part === undefined ? `simulation '${name}'` : `simulation '${name}' has no ${part} and`;
    const known = registered.length === 0 ? 'none' : registered.map((n) => `'${n}'`).join(', ');
    super(
      'SIMULATION_NOT_FOUND',
      part === undefined
        ? `${what} is not registered (registered: ${known}); call registerSimulation() first`
        : `${what} cannot serve this plugin; pass it to registerSimulation('${name}', { ${part} })`,
      { simulation: name, part, registered },
    );
  }
}
