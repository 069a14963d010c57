// One job or worker with everything known about it: its row, files or jobs, the status history
// of it and of its relatives in the order it was written, and the time spent in each state.
import { FileSpec, JobSpec, JobWorkerRelation, WorkSpec } from '@harvester-ts/core';
import { type DataSource, In } from 'typeorm';
import { type HistoryEntry, history, listJobs, listWorkers } from './queries.js';

export interface Phase {
  state: string;
  enteredAt: string;
  /** Until the next state (or null for the last one). */
  seconds: number | null;
}

/** Time spent in each state, from the history of one entity. */
export function phasesOf(entries: HistoryEntry[]): Phase[] {
  return entries.map((e, i) => {
    const next = entries[i + 1];
    return {
      state: e.to ?? '?',
      enteredAt: e.at,
      seconds: next ? (Date.parse(next.at) - Date.parse(e.at)) / 1000 : null,
    };
  });
}

export async function inspectJob(ds: DataSource, id: number) {
  const job = await ds.getRepository(JobSpec).findOne({ where: { PandaID: id } });
  if (!job) return undefined;
  const [row] = await listJobs(ds, { ids: [id] });
  const files = await ds.getRepository(FileSpec).find({ where: { PandaID: id }, order: { fileID: 'ASC' } });
  const rels = await ds.getRepository(JobWorkerRelation).find({ where: { PandaID: id } });
  const workerIDs = rels.map((r) => r.workerID);
  const workers = workerIDs.length ? await listWorkers(ds, { ids: workerIDs }) : [];
  const entries = await history(ds, [
    { type: 'job', ids: [id] },
    { type: 'file', ids: files.map((f) => f.fileID) },
    { type: 'worker', ids: workerIDs },
  ]);
  return {
    kind: 'job' as const,
    job: {
      ...row,
      attemptNr: job.attemptNr,
      configID: job.configID,
      harvesterID: job.harvesterID,
      jobAttributes: job.jobAttributes,
      transformation: job.jobParams?.transformation ?? null,
      jobPars: job.jobParams?.jobPars ?? null,
    },
    files: files.map((f) => ({
      fileID: f.fileID,
      lfn: f.lfn,
      scope: f.scope,
      type: f.fileType,
      status: f.status,
      fsize: f.fsize,
      chksum: f.chksum,
      path: f.path,
      url: f.url,
    })),
    workers,
    history: entries,
    phases: phasesOf(entries.filter((e) => e.entity === 'job')),
    diagnostics: entries
      .filter((e) => e.diag)
      .map((e) => ({ at: e.at, entity: e.entity, id: e.id, diag: e.diag })),
  };
}

export async function inspectWorker(ds: DataSource, id: number) {
  const worker = await ds.getRepository(WorkSpec).findOne({ where: { workerID: id } });
  if (!worker) return undefined;
  const [row] = await listWorkers(ds, { ids: [id] });
  const rels = await ds.getRepository(JobWorkerRelation).find({ where: { workerID: id } });
  const jobIDs = rels.map((r) => r.PandaID);
  const jobs = jobIDs.length
    ? (await ds.getRepository(JobSpec).find({ where: { PandaID: In(jobIDs) } })).map((j) => ({
        PandaID: j.PandaID,
        status: j.status,
        subStatus: j.subStatus,
      }))
    : [];
  const entries = await history(ds, [
    { type: 'worker', ids: [id] },
    { type: 'job', ids: jobIDs },
  ]);
  return {
    kind: 'worker' as const,
    worker: {
      ...row,
      harvesterID: worker.harvesterID,
      mapType: worker.mapType,
      submissionHost: worker.submissionHost,
      computingElement: worker.computingElement,
      nativeStatus: worker.nativeStatus,
      errorCode: worker.errorCode,
      errorDiag: worker.errorDiag,
      configID: worker.configID,
      workAttributes: worker.workAttributes,
      creationTime: worker.creationTime?.toISOString() ?? null,
    },
    jobs,
    history: entries,
    phases: phasesOf(entries.filter((e) => e.entity === 'worker')),
    diagnostics: entries
      .filter((e) => e.diag)
      .map((e) => ({ at: e.at, entity: e.entity, id: e.id, diag: e.diag })),
  };
}
