// A PluginContext for tests: silent logger, in-memory cache, locks with TTL and recorded dialogs,
// plus helpers to instantiate a plugin definition the way the host does.
import {
  type CacheService,
  type DialogLevel,
  type DialogService,
  instantiatePlugin,
  type LockService,
  type LogFn,
  type PluginContext,
  type PluginDefinition,
  type PluginInstanceMap,
  type PluginKind,
  type PluginLogger,
  silentLogger,
} from '@harvester-ts/core';
import { type Clock, type ClockLike, toClock } from './clock.js';

/** A cache in memory (documents are copied in and out, as a DB round trip would). */
export class MemoryCacheService implements CacheService {
  private readonly entries = new Map<string, { data: unknown; lastUpdate: Date }>();

  constructor(private readonly clock: Clock = Date.now) {}

  private static key(mainKey: string, subKey: string | undefined): string {
    return `${mainKey}\u0000${subKey ?? ''}`;
  }

  async get<T = unknown>(
    mainKey: string,
    subKey?: string,
  ): Promise<{ data: T; lastUpdate: Date } | undefined> {
    const e = this.entries.get(MemoryCacheService.key(mainKey, subKey));
    if (!e) return undefined;
    return { data: structuredClone(e.data) as T, lastUpdate: new Date(e.lastUpdate.getTime()) };
  }

  async set(mainKey: string, data: unknown, subKey?: string): Promise<void> {
    this.entries.set(MemoryCacheService.key(mainKey, subKey), {
      data: structuredClone(data),
      lastUpdate: new Date(this.clock()),
    });
  }

  /** The number of entries. */
  get size(): number {
    return this.entries.size;
  }
}

/** Named locks in memory: a held lock refuses until released or until its TTL passed. */
export class MemoryLockService implements LockService {
  private readonly held = new Map<string, number>();
  /** Every acquire attempt, in order. */
  readonly attempts: { name: string; acquired: boolean; at: number }[] = [];

  constructor(private readonly clock: Clock = Date.now) {}

  async acquire(name: string, { ttlSeconds }: { ttlSeconds: number }): Promise<boolean> {
    const now = this.clock();
    const expiry = this.held.get(name);
    const acquired = expiry === undefined || expiry <= now;
    if (acquired) this.held.set(name, now + ttlSeconds * 1000);
    this.attempts.push({ name, acquired, at: now });
    return acquired;
  }

  async release(name: string): Promise<void> {
    this.held.delete(name);
  }

  /** Whether the lock is held now (not released, not expired). */
  isHeld(name: string): boolean {
    const expiry = this.held.get(name);
    return expiry !== undefined && expiry > this.clock();
  }
}

export interface RecordedDialogMessage {
  level: DialogLevel;
  message: string;
  identifier: string | undefined;
  at: number;
}

/** Dialog messages, recorded. */
export class RecordingDialogService implements DialogService {
  readonly messages: RecordedDialogMessage[] = [];

  constructor(private readonly clock: Clock = Date.now) {}

  async add(level: DialogLevel, message: string, identifier?: string): Promise<void> {
    this.messages.push({ level, message, identifier, at: this.clock() });
  }
}

export interface TestServices {
  cache: MemoryCacheService;
  locks: MemoryLockService;
  dialogs: RecordingDialogService;
}

export interface TestPluginContext extends PluginContext {
  services: TestServices;
}

export interface TestPluginContextOverrides extends Partial<Omit<PluginContext, 'services'>> {
  /** Time for the services (cache lastUpdate, lock TTLs, dialog times); Date.now by default. */
  clock?: ClockLike;
  services?: Partial<TestServices>;
}

/**
 * A PluginContext for running a plugin in a test: silent logger, harvesterId `testkit`, queue
 * `TEST_QUEUE` on site `TEST_SITE`, a signal that is never aborted (unless you pass one), and
 * in-memory services you can inspect (`ctx.services.dialogs.messages`, ...).
 */
export function testPluginContext(overrides: TestPluginContextOverrides = {}): TestPluginContext {
  const { clock: clockLike, services, ...rest } = overrides;
  const clock = toClock(clockLike);
  return {
    logger: silentLogger,
    harvesterId: 'testkit',
    queueName: 'TEST_QUEUE',
    siteName: 'TEST_SITE',
    configID: undefined,
    signal: new AbortController().signal,
    ...rest,
    services: {
      cache: services?.cache ?? new MemoryCacheService(clock),
      locks: services?.locks ?? new MemoryLockService(clock),
      dialogs: services?.dialogs ?? new RecordingDialogService(clock),
    },
  };
}

export interface LogRecord {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  msg: string | undefined;
  /** The bindings of the logger and the object logged, merged. */
  fields: Record<string, unknown>;
}

export interface RecordingLogger extends PluginLogger {
  /** Every record, from this logger and its children. */
  readonly records: LogRecord[];
}

/** A PluginLogger that keeps what is logged (to assert on warnings, say). */
export function createRecordingLogger(
  bindings: Record<string, unknown> = {},
  sink: LogRecord[] = [],
): RecordingLogger {
  const make =
    (level: LogRecord['level']): LogFn =>
    (first: unknown, ...args: unknown[]) => {
      if (typeof first === 'string') {
        sink.push({ level, msg: first, fields: { ...bindings } });
      } else {
        const msg = typeof args[0] === 'string' ? args[0] : undefined;
        sink.push({ level, msg, fields: { ...bindings, ...(first as object) } });
      }
    };
  return {
    records: sink,
    trace: make('trace'),
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    fatal: make('fatal'),
    child: (more) => createRecordingLogger({ ...bindings, ...more }, sink),
  };
}

/**
 * Instantiates a plugin definition the way the host does (brand, kind, compatibility, options
 * validation, create, shape check), with a test context unless one is given.
 */
export async function instantiateTestPlugin<K extends PluginKind>(
  definition: PluginDefinition<K, unknown>,
  options: Record<string, unknown> = {},
  ctx: PluginContext = testPluginContext(),
): Promise<PluginInstanceMap[K]> {
  return instantiatePlugin(definition, definition.kind, options, ctx, {
    queue: ctx.queueName,
    section: definition.kind,
    module: '@harvester-ts/testkit',
    exportName: definition.name,
  });
}
