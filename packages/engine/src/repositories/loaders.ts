// Loading aggregates with one query per table (never one per row): jobs with their files,
// workers with their jobs.
import { FileSpec, JobSpec, JobWorkerRelation, WorkSpec } from '@harvester-ts/core';
import { type EntityManager, In } from 'typeorm';

const CHUNK = 500;

async function inChunks<T>(ids: number[], fetch: (chunk: number[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await fetch(ids.slice(i, i + CHUNK))));
  return out;
}

/** Jobs by PandaID, in the order of `ids`, each with its files (job.files). */
export async function loadJobsWithFiles(em: EntityManager, ids: number[]): Promise<JobSpec[]> {
  if (ids.length === 0) return [];
  const jobs = await inChunks(ids, (chunk) => em.getRepository(JobSpec).findBy({ PandaID: In(chunk) }));
  const files = await inChunks(ids, (chunk) =>
    em.getRepository(FileSpec).find({ where: { PandaID: In(chunk) }, order: { fileID: 'ASC' } }),
  );
  const byId = new Map(jobs.map((j) => [j.PandaID, j]));
  for (const f of files) byId.get(f.PandaID)?.files.push(f);
  return ids.map((id) => byId.get(id)).filter((j): j is JobSpec => j !== undefined);
}

/** Workers by workerID, in the order of `ids`, each with its jobs (and their files). */
export async function loadWorkersWithJobs(em: EntityManager, ids: number[]): Promise<WorkSpec[]> {
  if (ids.length === 0) return [];
  const workers = await inChunks(ids, (chunk) => em.getRepository(WorkSpec).findBy({ workerID: In(chunk) }));
  const relations = await inChunks(ids, (chunk) =>
    em.getRepository(JobWorkerRelation).findBy({ workerID: In(chunk) }),
  );
  const jobIds = [...new Set(relations.map((r) => r.PandaID))];
  const jobs = new Map((await loadJobsWithFiles(em, jobIds)).map((j) => [j.PandaID, j]));
  const byId = new Map(workers.map((w) => [w.workerID, w]));
  for (const r of relations.sort((a, b) => a.PandaID - b.PandaID)) {
    const job = jobs.get(r.PandaID);
    const worker = byId.get(r.workerID);
    if (job && worker) worker.jobs.push(job);
  }
  return ids.map((id) => byId.get(id)).filter((w): w is WorkSpec => w !== undefined);
}

/** workerIDs of each job (every relation, whatever the workers' states). */
export async function workersOfJobs(em: EntityManager, pandaIDs: number[]): Promise<Map<number, number[]>> {
  const relations = await inChunks(pandaIDs, (chunk) =>
    em.getRepository(JobWorkerRelation).findBy({ PandaID: In(chunk) }),
  );
  const out = new Map<number, number[]>();
  for (const r of relations) out.set(r.PandaID, [...(out.get(r.PandaID) ?? []), r.workerID]);
  return out;
}
