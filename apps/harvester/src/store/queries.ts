// What the CLI reads from (and the little it writes to) the database: counts by state, job and
// worker listings, the history of one job or worker, kill requests.
import {
  FINAL_WORKER_STATUSES,
  FileSpec,
  JobSpec,
  JobWorkerRelation,
  StatusEvent,
  WorkSpec,
} from '@harvester-ts/core';
import { type DataSource, In, Not } from 'typeorm';

export interface StateCounts {
  jobs: Record<string, number>;
  jobSubStatuses: Record<string, number>;
  workers: Record<string, number>;
}

/** Jobs by status and by subStatus, workers by status: three GROUP BY queries. */
export async function stateCounts(ds: DataSource): Promise<StateCounts> {
  const group = async (table: string, column: string) => {
    const rows: { k: string; n: number | string }[] = await ds.query(
      `SELECT ${column} AS k, COUNT(*) AS n FROM ${table} GROUP BY ${column}`,
    );
    return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
  };
  return {
    jobs: await group('job_table', 'status'),
    jobSubStatuses: await group('job_table', 'subStatus'),
    workers: await group('work_table', 'status'),
  };
}

/**
 * Whether nothing is left to do: every job final with its last report taken by the WMS, every
 * worker final and swept of kill requests, every worker report sent.
 */
export async function isSettled(ds: DataSource): Promise<boolean> {
  const count = async (sql: string) => {
    const rows: { n: number | string }[] = await ds.query(sql);
    return Number(rows[0]?.n ?? 0);
  };
  const jobs = await count(
    "SELECT COUNT(*) AS n FROM job_table WHERE status NOT IN ('finished','failed','cancelled','missed') OR propagatorTime IS NOT NULL",
  );
  if (jobs > 0) return false;
  const workers = await count(
    "SELECT COUNT(*) AS n FROM work_table WHERE status NOT IN ('finished','failed','cancelled','missed') OR killTime IS NOT NULL OR lastUpdate IS NOT NULL",
  );
  return workers === 0;
}

export interface JobRow {
  PandaID: number;
  taskID: number | null;
  queue: string;
  status: string;
  subStatus: string;
  attemptNr: number | null;
  workers: number[];
  exitCode: number | null;
  creationTime: string | null;
  startTime: string | null;
  endTime: string | null;
  modificationTime: string | null;
  diag: string | null;
  outputs: { lfn: string; status: string; fsize: number | null; chksum: string | null; url: string | null }[];
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function numberOr(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/** Latest diagnostic of each entity from the status history (one query). */
async function latestDiags(
  ds: DataSource,
  entityType: 'job' | 'worker',
  ids: number[],
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (ids.length === 0) return out;
  const events = await ds.getRepository(StatusEvent).find({
    select: { entityID: true, diag: true, eventID: true },
    where: { entityType, entityID: In(ids), diag: Not(In([''])) },
    order: { eventID: 'ASC' },
  });
  for (const e of events) if (e.diag) out.set(e.entityID, e.diag);
  return out;
}

export async function listJobs(
  ds: DataSource,
  filter: { status?: string; queue?: string; limit?: number; ids?: number[] } = {},
): Promise<JobRow[]> {
  const qb = ds.getRepository(JobSpec).createQueryBuilder('j').orderBy('j.PandaID', 'ASC');
  if (filter.status) qb.andWhere('(j.status = :s OR j.subStatus = :s)', { s: filter.status });
  if (filter.queue) qb.andWhere('j.computingSite = :q', { q: filter.queue });
  if (filter.ids) qb.andWhere('j.PandaID IN (:...ids)', { ids: filter.ids.length ? filter.ids : [-1] });
  if (filter.limit) qb.take(filter.limit);
  const jobs = await qb.getMany();
  const ids = jobs.map((j) => j.PandaID);
  const rels = ids.length
    ? await ds.getRepository(JobWorkerRelation).find({ where: { PandaID: In(ids) } })
    : [];
  const outputs = ids.length
    ? await ds.getRepository(FileSpec).find({
        where: { PandaID: In(ids), fileType: In(['output', 'log']) },
        order: { fileID: 'ASC' },
      })
    : [];
  const diags = await latestDiags(ds, 'job', ids);
  return jobs.map((j) => {
    const attrs = (j.jobAttributes ?? {}) as Record<string, unknown>;
    return {
      PandaID: j.PandaID,
      taskID: j.taskID ?? null,
      queue: j.computingSite,
      status: j.status,
      subStatus: j.subStatus,
      attemptNr: j.attemptNr ?? null,
      workers: rels.filter((r) => r.PandaID === j.PandaID).map((r) => r.workerID),
      exitCode: numberOr(attrs.transExitCode),
      creationTime: iso(j.creationTime),
      startTime: iso(j.startTime),
      endTime: iso(j.endTime),
      modificationTime: iso(j.modificationTime),
      // A finished job's last status note ("worker 3 finished") says nothing an operator needs.
      diag:
        (attrs.pilotErrorDiag as string | undefined) ??
        (j.status === 'finished' ? null : (diags.get(j.PandaID) ?? null)),
      outputs: outputs
        .filter((f) => f.PandaID === j.PandaID)
        .map((f) => ({
          lfn: f.lfn,
          status: f.status,
          fsize: f.fsize ?? null,
          chksum: f.chksum ?? null,
          url: f.url ?? null,
        })),
    };
  });
}

export interface WorkerRow {
  workerID: number;
  queue: string;
  status: string;
  batchID: string | null;
  nCore: number | null;
  jobs: number[];
  nativeExitCode: number | null;
  submitTime: string | null;
  startTime: string | null;
  endTime: string | null;
  accessPoint: string | null;
  killRequested: boolean;
  diag: string | null;
}

export async function listWorkers(
  ds: DataSource,
  filter: { status?: string; queue?: string; limit?: number; ids?: number[] } = {},
): Promise<WorkerRow[]> {
  const qb = ds.getRepository(WorkSpec).createQueryBuilder('w').orderBy('w.workerID', 'ASC');
  if (filter.status) qb.andWhere('w.status = :s', { s: filter.status });
  if (filter.queue) qb.andWhere('w.computingSite = :q', { q: filter.queue });
  if (filter.ids) qb.andWhere('w.workerID IN (:...ids)', { ids: filter.ids.length ? filter.ids : [-1] });
  if (filter.limit) qb.take(filter.limit);
  const workers = await qb.getMany();
  const ids = workers.map((w) => w.workerID);
  const rels = ids.length
    ? await ds.getRepository(JobWorkerRelation).find({ where: { workerID: In(ids) } })
    : [];
  const diags = await latestDiags(ds, 'worker', ids);
  return workers.map((w) => ({
    workerID: w.workerID,
    queue: w.computingSite,
    status: w.status,
    batchID: w.batchID ?? null,
    nCore: w.nCore ?? null,
    jobs: rels.filter((r) => r.workerID === w.workerID).map((r) => r.PandaID),
    nativeExitCode: w.nativeExitCode ?? null,
    submitTime: iso(w.submitTime),
    startTime: iso(w.startTime),
    endTime: iso(w.endTime),
    accessPoint: w.accessPoint ?? null,
    killRequested: w.killTime !== null && w.killTime !== undefined,
    diag: w.diagMessage || w.errorDiag || diags.get(w.workerID) || null,
  }));
}

export interface HistoryEntry {
  at: string;
  entity: string;
  id: number;
  from: string | null;
  to: string | null;
  agent: string;
  instance: string;
  diag: string | null;
}

/** The status history of entities, merged in the order it was written. */
export async function history(
  ds: DataSource,
  entities: { type: 'job' | 'worker' | 'file'; ids: number[] }[],
): Promise<HistoryEntry[]> {
  const events: StatusEvent[] = [];
  for (const { type, ids } of entities) {
    if (ids.length === 0) continue;
    events.push(
      ...(await ds.getRepository(StatusEvent).find({ where: { entityType: type, entityID: In(ids) } })),
    );
  }
  events.sort((a, b) => a.eventID - b.eventID);
  return events.map((e) => ({
    at: e.at.toISOString(),
    entity: e.entityType,
    id: e.entityID,
    from: e.entityType === 'job' ? joinStatus(e.fromStatus, e.fromSubStatus) : e.fromStatus,
    to: e.entityType === 'job' ? joinStatus(e.toStatus, e.toSubStatus) : e.toStatus,
    agent: e.agent,
    instance: e.instance,
    diag: e.diag,
  }));
}

function joinStatus(status: string | null, sub: string | null): string | null {
  if (status === null && sub === null) return null;
  return sub && sub !== status ? `${status}/${sub}` : (status ?? sub);
}

export interface KillResult {
  marked: number[];
  alreadyFinal: number[];
  unknown: number[];
}

/**
 * Asks the sweeper to kill workers (Harvester's killTime, due now). Final workers are left as
 * they are; the ids not in the database are reported.
 */
export async function requestWorkerKill(ds: DataSource, ids: number[]): Promise<KillResult> {
  const repo = ds.getRepository(WorkSpec);
  const found = await repo.find({ select: { workerID: true, status: true }, where: { workerID: In(ids) } });
  const byId = new Map(found.map((w) => [w.workerID, w.status]));
  const unknown = ids.filter((id) => !byId.has(id));
  const alreadyFinal = ids.filter((id) => {
    const s = byId.get(id);
    return s !== undefined && FINAL_WORKER_STATUSES.has(s as never);
  });
  const marked = ids.filter((id) => byId.has(id) && !alreadyFinal.includes(id));
  if (marked.length > 0) {
    await ds.transaction((em) =>
      em
        .getRepository(WorkSpec)
        .update(
          { workerID: In(marked), status: Not(In([...FINAL_WORKER_STATUSES])) },
          { killTime: new Date(0) },
        ),
    );
  }
  return { marked, alreadyFinal, unknown };
}
