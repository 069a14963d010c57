// In-memory JobSpecs, FileSpecs and WorkSpecs for plugin tests, with every column set (null where
// unknown), as the engine would load them from the database.
import {
  FileSpec,
  FileStatus,
  FileType,
  JobSpec,
  JobStatus,
  JobSubStatus,
  MapType,
  WorkerStatus,
  WorkSpec,
} from '@harvester-ts/core';
import { type MakePandaJobOptions, makePandaJob, normalisePandaFiles } from './panda-job.js';

let nextFileID = 1;

export interface MakeJobSpecOptions extends MakePandaJobOptions {
  status?: JobStatus;
  subStatus?: JobSubStatus;
  /** Defaults to computingSite, else `TEST_QUEUE`. */
  queueName?: string;
  harvesterID?: string;
  /** Where the worker left each output (LFN → path); sets the output FileSpec's path. */
  outputPaths?: Record<string, string>;
}

/**
 * A JobSpec with its FileSpecs (inputs `to_prepare`, outputs and log `defined`), made from the
 * same description as makePandaJob (its jobParams are that dictionary).
 */
export function makeJobSpec(options: MakeJobSpecOptions): JobSpec {
  const dict = makePandaJob(options);
  const { inputs, outputs, log } = normalisePandaFiles(options);
  const now = new Date();
  const job = new JobSpec();
  job.PandaID = options.PandaID;
  job.taskID = options.taskID ?? 1;
  job.attemptNr = options.attemptNr ?? 1;
  job.status = options.status ?? JobStatus.starting;
  job.subStatus = options.subStatus ?? JobSubStatus.fetched;
  job.currentPriority = options.currentPriority ?? 1000;
  job.computingSite = options.queueName ?? options.computingSite ?? 'TEST_QUEUE';
  job.harvesterID = options.harvesterID ?? 'testkit';
  job.creationTime = now;
  job.modificationTime = now;
  job.stateChangeTime = now;
  job.startTime = null;
  job.endTime = null;
  job.nCore = options.coreCount ?? 1;
  job.jobParams = dict;
  job.jobAttributes = null;
  job.hasOutFile = 0;
  job.metaData = null;
  job.outputFilesToReport = null;
  job.lockedBy = null;
  job.propagatorLock = null;
  job.propagatorTime = null;
  job.preparatorTime = null;
  job.submitterTime = null;
  job.stagerLock = null;
  job.stagerTime = null;
  job.zipPerMB = null;
  job.nWorkers = 0;
  job.nWorkersLimit = null;
  job.submissionAttempts = 0;
  job.jobsetID = options.jobsetID ?? job.taskID;
  job.pilotClosed = false;
  job.configID = null;
  job.nRemainingEvents = null;
  job.moreWorkers = null;
  job.maxWorkersInTotal = null;
  job.nWorkersInTotal = 0;
  job.jobParamsExtForOutput = null;
  job.jobParamsExtForLog = log ? { lfn: log.lfn, guid: log.guid } : null;
  job.auxInput = null;
  job.resourceType = String(dict.resource_type);

  const file = (lfn: string, fileType: FileType, status: FileStatus): FileSpec => {
    const f = new FileSpec();
    f.fileID = nextFileID++;
    f.PandaID = job.PandaID;
    f.taskID = job.taskID;
    f.lfn = lfn;
    f.status = status;
    f.fsize = null;
    f.chksum = null;
    f.path = null;
    f.fileType = fileType;
    f.eventRangeID = null;
    f.modificationTime = now;
    f.fileAttributes = null;
    f.isZip = false;
    f.zipFileID = null;
    f.objstoreID = null;
    f.endpoint = null;
    f.groupID = null;
    f.groupStatus = null;
    f.groupUpdateTime = null;
    f.attemptNr = 0;
    f.todelete = false;
    f.scope = null;
    f.pathConvention = null;
    f.provenanceID = null;
    f.workerID = null;
    f.url = null;
    return f;
  };

  for (const input of inputs) {
    const f = file(input.lfn, FileType.input, FileStatus.to_prepare);
    f.fsize = input.fsize;
    f.chksum = input.checksum;
    f.scope = input.scope;
    f.endpoint = input.endpoint;
    f.fileAttributes = { guid: input.guid, dataset: input.dataset };
    job.addFile(f);
  }
  const outputPaths = options.outputPaths ?? {};
  for (const output of outputs) {
    const f = file(output.lfn, FileType.output, FileStatus.defined);
    f.scope = output.scope;
    f.endpoint = output.endpoint;
    f.fileAttributes = { dataset: output.dataset };
    f.path = outputPaths[output.lfn] ?? null;
    job.addFile(f);
  }
  if (log) {
    const f = file(log.lfn, FileType.log, FileStatus.defined);
    f.scope = log.scope;
    f.endpoint = log.endpoint;
    f.fileAttributes = { guid: log.guid, dataset: log.dataset };
    f.path = outputPaths[log.lfn] ?? null;
    job.addFile(f);
  }
  return job;
}

export interface MakeWorkSpecOptions {
  workerID: number;
  harvesterID?: string;
  status?: WorkerStatus;
  batchID?: string | null;
  accessPoint?: string | null;
  computingSite?: string;
  mapType?: MapType;
  nCore?: number | null;
  submitTime?: Date | null;
  resourceType?: string | null;
  jobType?: string | null;
  jobs?: JobSpec[];
}

/** A WorkSpec with every column set (default: submitted, OneToOne, on TEST_QUEUE, no batchID). */
export function makeWorkSpec(options: MakeWorkSpecOptions): WorkSpec {
  const now = new Date();
  const w = new WorkSpec();
  w.workerID = options.workerID;
  w.harvesterID = options.harvesterID ?? 'testkit';
  w.batchID = options.batchID ?? null;
  w.mapType = options.mapType ?? MapType.OneToOne;
  w.queueName = null;
  w.status = options.status ?? WorkerStatus.submitted;
  w.hasJob = (options.jobs?.length ?? 0) > 0 ? 1 : 0;
  w.workParams = null;
  w.workAttributes = null;
  w.eventsRequestParams = null;
  w.eventsRequest = 0;
  w.computingSite = options.computingSite ?? 'TEST_QUEUE';
  w.creationTime = now;
  w.submitTime = options.submitTime ?? null;
  w.startTime = null;
  w.endTime = null;
  w.nCore = options.nCore === undefined ? 1 : options.nCore;
  w.walltime = null;
  w.accessPoint = options.accessPoint ?? null;
  w.modificationTime = now;
  w.lastUpdate = null;
  w.eventFeedTime = null;
  w.lockedBy = null;
  w.postProcessed = false;
  w.nodeID = null;
  w.minRamCount = null;
  w.maxDiskCount = null;
  w.maxWalltime = null;
  w.killTime = null;
  w.computingElement = null;
  w.nJobsToReFill = null;
  w.logFilesToUpload = null;
  w.jobType = options.jobType ?? null;
  w.resourceType = options.resourceType ?? null;
  w.nativeExitCode = null;
  w.nativeStatus = null;
  w.diagMessage = null;
  w.nJobs = options.jobs?.length ?? null;
  w.submissionHost = null;
  w.configID = null;
  w.syncLevel = null;
  w.checkTime = null;
  w.ioIntensity = null;
  w.harvesterHost = null;
  w.pilotType = null;
  w.eventFeedLock = null;
  w.errorCode = null;
  w.errorDiag = null;
  w.jobs = options.jobs ?? [];
  return w;
}
