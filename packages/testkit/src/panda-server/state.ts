// What the fake PanDA server keeps beside its SimulatedWms: the things the real server stores
// that the WMS model has no place for (harvester instances, service metrics, uploaded logs,
// worker statistics per harvester), and the configurable answers (resource types, credentials).
import type { JsonObject } from '@harvester-ts/core';
import type { SimulatedWms } from '../simulated-wms.js';

export interface FakePandaResourceType {
  resource_name: string;
  mincore: number | null;
  maxcore: number | null;
  minrampercore: number | null;
  maxrampercore: number | null;
}

/** ATLAS's resource types (metaconfig/get_resource_types). */
export const DEFAULT_RESOURCE_TYPES: readonly FakePandaResourceType[] = [
  { resource_name: 'SCORE', mincore: null, maxcore: 1, minrampercore: null, maxrampercore: 2000 },
  { resource_name: 'SCORE_HIMEM', mincore: null, maxcore: 1, minrampercore: 2001, maxrampercore: null },
  { resource_name: 'MCORE', mincore: 2, maxcore: null, minrampercore: null, maxrampercore: 2000 },
  { resource_name: 'MCORE_HIMEM', mincore: 2, maxcore: null, minrampercore: 2001, maxrampercore: null },
];

export interface FakePandaCredentials {
  /** What creds/get_proxy (legacy getProxy) hands out as `user_proxy`; unset: "'proxy' not found". */
  proxy?: string;
  /** creds/get_token_key's `tokenKey` per client name. */
  tokenKeys?: Record<string, string>;
  /** Keys by name for creds/get_key_pair. */
  keys?: Record<string, string>;
}

export interface RecordedServiceMetrics {
  harvesterId: string;
  /** `[creation_time, host, metrics_json]` as sent. */
  metrics: unknown[];
  at: number;
}

export interface RecordedUpload {
  /** The file name as sent (base name used in the URL). */
  filename: string;
  /** The bytes as sent (Harvester sends zlib-compressed logs). */
  content: Buffer;
  /** The bytes zlib- or gzip-decompressed, or the bytes as sent when they were not compressed. */
  decompressed: Buffer;
  url: string;
  at: number;
}

export interface RecordedHeartbeat {
  harvesterId: string;
  data: JsonObject | null;
  api: 'v1' | 'legacy';
  at: number;
}

export interface WorkerStatsEntry {
  harvesterId: string;
  site: string;
  stats: Record<string, Record<string, Record<string, number>>>;
}

export class ServerState {
  readonly serviceMetrics: RecordedServiceMetrics[] = [];
  readonly uploads: RecordedUpload[] = [];
  readonly heartbeats: RecordedHeartbeat[] = [];
  /** Harvester instances the server has a record of (made by the first heartbeat). */
  readonly harvesterInstances = new Set<string>();
  /** The last statistics reported per harvester and site. */
  readonly workerStats = new Map<string, WorkerStatsEntry>();
  /** The highest workerID reported per harvester. */
  readonly maxWorkerIds = new Map<string, number>();
  baseUrl = '';

  constructor(
    readonly wms: SimulatedWms,
    readonly resourceTypes: readonly FakePandaResourceType[],
    readonly credentials: FakePandaCredentials,
  ) {}

  now(): number {
    return this.wms.now();
  }

  /** The PanDA job status of a WMS job (activated before it was handed out). */
  pandaStatusOf(PandaID: number): string {
    const s = this.wms.statusOf(PandaID);
    return s === 'queued' ? 'activated' : s;
  }

  /** Per-site job counts by status, for the statistics endpoints. */
  jobStatistics(): { site: string; resourceType: string; label: string; status: string }[] {
    return this.wms.allPandaIDs.map((id) => {
      const dict = this.wms.jobDict(id) ?? {};
      return {
        site: String(dict.computingSite ?? 'NULL'),
        resourceType: String(dict.resource_type ?? dict.resourceType ?? 'Undefined'),
        label: String(dict.prodSourceLabel ?? 'managed'),
        status: this.pandaStatusOf(id),
      };
    });
  }
}
