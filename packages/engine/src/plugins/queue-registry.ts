// The queues this instance serves and their plugins. Each distinct configuration of a queue is
// stored once in qcdump_table under a configID; jobs and workers keep the configID they were
// created with, so in-flight work keeps the plugin configuration it started with even after the
// configuration changes (the old one is loaded from its snapshot).
import { createHash } from 'node:crypto';
import {
  HarvesterError,
  type JsonObject,
  type PluginContext,
  type QueueConfig,
  QueueConfigDump,
  queueConfigSchema,
  SequenceName,
} from '@harvester-ts/core';
import type { Database } from '../db/database.js';
import type { IdAllocator } from '../db/id-allocator.js';
import type { ModuleImporter } from './module-importer.js';
import { loadQueuePlugins, type QueuePluginSection, type QueuePlugins } from './queue-plugins.js';

export interface QueueRegistryDeps {
  db: Database;
  ids: IdAllocator;
  importer: ModuleImporter;
  baseDir: string;
  contextFor(
    queue: QueueConfig,
    configID: number,
    section: QueuePluginSection,
    moduleName: string,
  ): PluginContext;
  now(): Date;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Digest of a queue configuration, without the keys that do not change plugin behaviour. */
export function queueConfigChecksum(queue: QueueConfig): string {
  const { queueStatus: _status, ...rest } = queue as QueueConfig & { queueStatus?: unknown };
  return createHash('sha256').update(canonical(rest)).digest('hex').slice(0, 32);
}

export class QueueRegistry {
  private readonly current = new Map<string, { queue: QueueConfig; configID: number }>();
  private readonly plugins = new Map<number, Promise<QueuePlugins>>();

  constructor(private readonly deps: QueueRegistryDeps) {}

  /** Registers the configured queues, storing a snapshot of each configuration not seen before. */
  async register(queues: Record<string, QueueConfig>): Promise<void> {
    for (const queue of Object.values(queues)) {
      const checksum = queueConfigChecksum(queue);
      const dumpUniqueName = `${queue.queueName}_${checksum}`.slice(0, 255);
      let dump = await this.deps.db.read((em) =>
        em.getRepository(QueueConfigDump).findOneBy({ dumpUniqueName }),
      );
      if (!dump) {
        const [configID] = await this.deps.ids.next(SequenceName.configID, 1);
        await this.deps.db.write(async (em) => {
          await em
            .createQueryBuilder()
            .insert()
            .into(QueueConfigDump)
            .values({
              configID: configID!,
              queueName: queue.queueName,
              checksum,
              dumpUniqueName,
              creationTime: this.deps.now(),
              data: JSON.parse(JSON.stringify(queue)) as JsonObject,
            })
            .orIgnore()
            .execute();
        });
        dump = await this.deps.db.read((em) =>
          em.getRepository(QueueConfigDump).findOneByOrFail({ dumpUniqueName }),
        );
      }
      this.current.set(queue.queueName, { queue, configID: dump.configID });
    }
  }

  queueNames(): string[] {
    return [...this.current.keys()];
  }

  /** The queue's current configuration and configID. */
  get(queueName: string): { queue: QueueConfig; configID: number } {
    const entry = this.current.get(queueName);
    if (!entry)
      throw new HarvesterError('UNKNOWN_QUEUE', `queue ${queueName} is not configured`, { queue: queueName });
    return entry;
  }

  /** Queues that take new work (queueStatus online). */
  activeQueues(): { queue: QueueConfig; configID: number }[] {
    return [...this.current.values()].filter(
      (e) => (e.queue as { queueStatus?: string }).queueStatus !== 'offline',
    );
  }

  /** Plugins of a queue for a configID (the current one when omitted). Loaded once. */
  async pluginsFor(queueName: string, configID?: number | null): Promise<QueuePlugins> {
    const wanted = configID ?? this.get(queueName).configID;
    let loading = this.plugins.get(wanted);
    if (!loading) {
      loading = this.load(queueName, wanted);
      this.plugins.set(wanted, loading);
      loading.catch(() => this.plugins.delete(wanted));
    }
    return loading;
  }

  private async load(queueName: string, configID: number): Promise<QueuePlugins> {
    const entry = this.current.get(queueName);
    let queue: QueueConfig;
    if (entry && entry.configID === configID) {
      queue = entry.queue;
    } else {
      const dump = await this.deps.db.read((em) => em.getRepository(QueueConfigDump).findOneBy({ configID }));
      if (!dump?.data) {
        throw new HarvesterError(
          'UNKNOWN_CONFIG',
          `configuration ${configID} of queue ${queueName} is not stored`,
          {
            queue: queueName,
            configID,
          },
        );
      }
      queue = queueConfigSchema.parse(dump.data) as QueueConfig;
    }
    return loadQueuePlugins(queue, configID, {
      importer: this.deps.importer,
      baseDir: this.deps.baseDir,
      contextFor: (section, moduleName) => this.deps.contextFor(queue, configID, section, moduleName),
    });
  }
}
