// The DB-backed helper API plugins get (Harvester's DBInterface): a shared cache, named locks
// with expiry, and dialog messages for the WMS.
import {
  CacheEntry,
  DiagSpec,
  type DialogLevel,
  type HarvesterServices,
  type JsonObject,
  ProcessLock,
  SequenceName,
} from '@harvester-ts/core';
import { execute } from '../db/claims.js';
import type { Database } from '../db/database.js';
import type { IdAllocator } from '../db/id-allocator.js';
import { sqlTime } from '../db/sql-time.js';

export interface ServiceDeps {
  db: Database;
  ids: IdAllocator;
  /** Lock owner for this process. */
  owner: string;
  /** The plugin's module name, recorded with its dialogs. */
  moduleName: string;
  now?: () => Date;
}

export function pluginServices(deps: ServiceDeps): HarvesterServices {
  const now = deps.now ?? (() => new Date());
  const { db } = deps;
  return {
    cache: {
      async get<T>(mainKey: string, subKey = '') {
        const row = await db.read((em) => em.getRepository(CacheEntry).findOneBy({ mainKey, subKey }));
        if (!row || row.lastUpdate === null) return undefined;
        const data = row.data as { value?: unknown } | null;
        return { data: (data && 'value' in data ? data.value : data) as T, lastUpdate: row.lastUpdate };
      },
      async set(mainKey: string, data: unknown, subKey = '') {
        const stored: JsonObject = { value: data as JsonObject[string] };
        await db.write(async (em) => {
          await em
            .getRepository(CacheEntry)
            .upsert({ mainKey, subKey, data: stored, lastUpdate: now() }, ['mainKey', 'subKey']);
        });
      },
    },
    locks: {
      async acquire(name: string, { ttlSeconds }: { ttlSeconds: number }) {
        const at = now();
        const expired = sqlTime(db.ds, new Date(at.getTime() - ttlSeconds * 1000));
        return db.write(async (em) => {
          await em
            .createQueryBuilder()
            .insert()
            .into(ProcessLock)
            .values({ processName: name, lockedBy: null, lockTime: null })
            .orIgnore()
            .execute();
          const taken = await execute(
            em,
            'UPDATE lock_table SET lockedBy = ?, lockTime = ? WHERE processName = ? AND (lockedBy IS NULL OR lockedBy = ? OR lockTime <= ?)',
            [deps.owner, sqlTime(db.ds, at), name, deps.owner, expired],
          );
          return taken > 0;
        });
      },
      async release(name: string) {
        await db.write((em) =>
          execute(
            em,
            'UPDATE lock_table SET lockedBy = NULL, lockTime = NULL WHERE processName = ? AND lockedBy = ?',
            [name, deps.owner],
          ),
        );
      },
    },
    dialogs: {
      async add(level: DialogLevel, message: string, identifier?: string) {
        const [diagID] = await deps.ids.next(SequenceName.diagID, 1);
        await db.write(async (em) => {
          await em.getRepository(DiagSpec).insert({
            diagID: diagID!,
            moduleName: deps.moduleName.slice(0, 128),
            identifier: identifier?.slice(0, 255) ?? null,
            creationTime: now(),
            lockTime: null,
            messageLevel: level,
            lockedBy: null,
            diagMessage: message.slice(0, 500),
          });
        });
      },
    },
  };
}
