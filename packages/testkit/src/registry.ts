// Process-global registry of simulations. Queue configurations are JSON and can only name things,
// so testkit plugins find their simulated batch system and WMS by the simulation's name (option
// `simulation`, default 'default'). Each simulation also keeps what the preparator, stager and
// sweeper plugins did, for assertions.
import { type Clock, type ClockLike, toClock } from './clock.js';
import { SimulationNotFoundError } from './errors.js';
import type { SimulatedBatchSystem } from './simulated-batch-system.js';
import type { SimulatedWms } from './simulated-wms.js';

export const DEFAULT_SIMULATION = 'default';

export type TestkitPluginName = 'preparator' | 'stager' | 'sweeper' | 'monitor' | 'submitter';

/** One thing a testkit plugin did. */
export interface PluginActionRecord {
  plugin: TestkitPluginName;
  /** The plugin method, e.g. `triggerPreparation`. */
  method: string;
  /** PandaID for preparator and stager, workerID for sweeper and monitor. */
  id: number;
  outcome: 'success' | 'fatal' | 'retry';
  diag?: string;
  /** The simulation clock's time (epoch ms). */
  at: number;
}

/** What testkit plugins did and the progress of their simulated transfers. */
export class SimulationRecords {
  readonly actions: PluginActionRecord[] = [];
  /** Input paths set by the preparator: PandaID → LFN → path. */
  readonly inputPaths = new Map<number, Record<string, string>>();
  /** Output files the stager finished or failed: PandaID → LFN → { status, url }. */
  readonly stagedOut = new Map<
    number,
    Record<string, { status: 'finished' | 'failed'; url: string | null }>
  >();
  /** Workers swept, in order. */
  readonly swept: number[] = [];
  /** Access points the sweeper removed, in order. */
  readonly removedAccessPoints: string[] = [];
  private readonly counters = new Map<string, number>();
  private readonly marks = new Map<string, number>();

  /** Actions of one plugin (and one job/worker if `id` is given). */
  actionsOf(plugin: TestkitPluginName, id?: number): PluginActionRecord[] {
    return this.actions.filter((a) => a.plugin === plugin && (id === undefined || a.id === id));
  }

  /** Increments and returns a named counter (used for "complete after N checks"). */
  bump(key: string): number {
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return n;
  }

  count(key: string): number {
    return this.counters.get(key) ?? 0;
  }

  resetCounter(key: string): void {
    this.counters.delete(key);
  }

  /** The time a named condition was first seen; set to `now` on the first call. */
  firstSeen(key: string, now: number): number {
    const t = this.marks.get(key);
    if (t !== undefined) return t;
    this.marks.set(key, now);
    return now;
  }

  forget(key: string): void {
    this.marks.delete(key);
  }
}

export interface Simulation {
  readonly name: string;
  readonly batch: SimulatedBatchSystem | undefined;
  readonly wms: SimulatedWms | undefined;
  readonly records: SimulationRecords;
  /** The simulation's clock: the one given, else the batch system's, else the WMS's, else Date.now. */
  readonly now: Clock;
}

export interface SimulationParts {
  batch?: SimulatedBatchSystem;
  wms?: SimulatedWms;
  clock?: ClockLike;
}

const REGISTRY_KEY = Symbol.for('@harvester-ts/testkit/simulations');

function registry(): Map<string, Simulation> {
  const g = globalThis as { [REGISTRY_KEY]?: Map<string, Simulation> };
  let map = g[REGISTRY_KEY];
  if (!map) {
    map = new Map();
    g[REGISTRY_KEY] = map;
  }
  return map;
}

/** Registers (or replaces) a simulation under `name`; returns it. */
export function registerSimulation(name: string, parts: SimulationParts = {}): Simulation {
  const { batch, wms } = parts;
  let now: Clock;
  if (parts.clock !== undefined) now = toClock(parts.clock);
  else if (batch) now = () => batch.now();
  else if (wms) now = () => wms.now();
  else now = Date.now;
  const simulation: Simulation = { name, batch, wms, records: new SimulationRecords(), now };
  registry().set(name, simulation);
  return simulation;
}

export function getSimulation(name: string = DEFAULT_SIMULATION): Simulation | undefined {
  return registry().get(name);
}

/** Names of the registered simulations. */
export function simulationNames(): string[] {
  return [...registry().keys()];
}

/** Removes every simulation (call it in afterEach). */
export function clearSimulations(): void {
  registry().clear();
}

/** The simulation, or a clear error naming what is registered. */
export function requireSimulation(name: string): Simulation {
  const sim = registry().get(name);
  if (!sim) throw new SimulationNotFoundError(name, undefined, simulationNames());
  return sim;
}

/** The simulation, registered empty (records only) when missing: preparator and stager need no simulator. */
export function ensureSimulation(name: string): Simulation {
  return registry().get(name) ?? registerSimulation(name);
}

export function requireBatch(name: string): { sim: Simulation; batch: SimulatedBatchSystem } {
  const sim = requireSimulation(name);
  if (!sim.batch) throw new SimulationNotFoundError(name, 'batch', simulationNames());
  return { sim, batch: sim.batch };
}

export function requireWms(name: string): { sim: Simulation; wms: SimulatedWms } {
  const sim = requireSimulation(name);
  if (!sim.wms) throw new SimulationNotFoundError(name, 'wms', simulationNames());
  return { sim, wms: sim.wms };
}
