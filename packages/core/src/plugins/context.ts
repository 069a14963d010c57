// What the host gives every plugin instance at creation, and per call.
import type { QueueConfig } from '../queue-config/index.js';
import type { PluginLogger } from './logger.js';

/** Message levels of dialogs, as the WMS (PanDA) names them. */
export type DialogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

/** A DB-backed cache of documents shared by all processes of an instance (cache_table). */
export interface CacheService {
  get<T = unknown>(mainKey: string, subKey?: string): Promise<{ data: T; lastUpdate: Date } | undefined>;
  set(mainKey: string, data: unknown, subKey?: string): Promise<void>;
}

/**
 * Named locks held in the database, shared by every process and host using it (Harvester's
 * get_object_lock / release_object_lock). A lock whose holder died expires after `ttlSeconds`.
 */
export interface LockService {
  acquire(name: string, options: { ttlSeconds: number }): Promise<boolean>;
  release(name: string): Promise<void>;
}

/** Messages for the WMS's dialog view (diag_table), sent by the propagator. */
export interface DialogService {
  add(level: DialogLevel, message: string, identifier?: string): Promise<void>;
}

/** The DB-backed helper API a plugin gets (Harvester's DBInterface). */
export interface HarvesterServices {
  cache: CacheService;
  locks: LockService;
  dialogs: DialogService;
}

export interface PluginContext {
  /** A child logger bound to the plugin, queue and instance. */
  logger: PluginLogger;
  harvesterId: string;
  /** The queue the instance serves; undefined for instance-wide plugins (the communicator). */
  queueName: string | undefined;
  /** The WMS site name of the queue (PanDA: the queue name unless configured otherwise). */
  siteName: string | undefined;
  /** The configuration snapshot the instance was created from. */
  configID: number | undefined;
  /** Aborted when the harvester shuts down. */
  signal: AbortSignal;
  services: HarvesterServices;
}

/**
 * Per-call options. `signal` is aborted when the host gives up on the call (per-call timeout or
 * shutdown); a plugin running child processes should stop them when it fires.
 */
export interface CallOptions {
  signal?: AbortSignal;
}

/** The resolved configuration of the queue a plugin serves, as WorkerMaker and Throttler see it. */
export type QueueConfigView = Readonly<QueueConfig>;
