// Options of the shared-file messenger: Harvester's messenger section keys (`accessPoint`,
// `worker_heartbeat`) and its [payload_interaction] file names, each overridable per queue.
import { z } from 'zod';
import { accessPointTemplateProblems } from './access-point.js';
import { plainFileNameProblem } from './safe-path.js';

/** Harvester's default payload-interaction file names (panda_harvester.cfg template). */
export const SHARED_FILE_DEFAULT_NAMES = {
  /** H→W `{PandaID: jobParams}`. */
  jobSpecFile: 'HPCJobs.json',
  /** W→H per-job attributes (jobStatus, transExitCode, pilotErrorCode, cpuConsumptionTime, ...). */
  workerAttributesFile: 'worker_attributes.json',
  /** W→H the job report, reported as the job's metaData. */
  jobReportFile: 'jobReport.json',
  /** W→H `{PandaID: [{path, type, fsize, chksum, guid, eventRangeID, eventStatus, isZip}]}`; `.read` protocol. */
  eventStatusDumpJsonFile: 'event_status.dump.json',
  /** W→H `{"nJobs": n}`: the worker asks for jobs (late binding). Removed once jobs are fed. */
  jobRequestFile: 'worker_requestjob.json',
  /** H→W and W→H: JSON list of the PandaIDs of the worker. */
  pandaIDsFile: 'worker_pandaids.json',
  /** W→H `{PandaID: {nRanges, pandaID, taskID, jobsetID}}`. Removed once events are fed. */
  eventRequestFile: 'worker_requestevents.json',
  /** H→W `{PandaID: [eventRange, ...]}`. */
  eventRangesFile: 'JobsEventRanges.json',
  /** W→H `{PandaID: [{eventRangeID, eventStatus}, ...]}`; `.read` protocol. */
  updateEventsFile: 'worker_updateevents.json',
  /** Existence means the worker must stop (the wrapper kills its payload; the harvester kills the worker). */
  killWorkerFile: 'kill_worker.json',
  /** W→H: its mtime is the worker's heartbeat. */
  heartbeatFile: 'worker_heartbeat.json',
  /** H→W POOL file catalog of the inputs (symlinked into the job directory). */
  xmlPoolCatalogFile: 'PoolFileCatalog_H.xml',
  /** W/H→H extra job attributes merged by getWorkAttributes (Harvester's post_process_job_attrs.json). */
  postProcessAttrsFile: 'post_process_job_attrs.json',
} as const;

export type SharedFileName = keyof typeof SHARED_FILE_DEFAULT_NAMES;

function fileNameOption(defaultName: string) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const problem = plainFileNameProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: `must be a plain file name: it ${problem}` });
    })
    .default(defaultName);
}

const accessPointOption = z
  .string({ error: (iss) => (iss.input === undefined ? "required: the messenger's accessPoint" : undefined) })
  .min(1, 'must not be empty')
  .superRefine((value, ctx) => {
    for (const message of accessPointTemplateProblems(value)) ctx.addIssue({ code: 'custom', message });
  });

const D = SHARED_FILE_DEFAULT_NAMES;

export const sharedFileMessengerOptionsSchema = z.object({
  /** Template of the worker directories, e.g. `/data/harvester/${harvesterID}/${_workerID_3.2}/${workerID}`. */
  accessPoint: accessPointOption,
  /** Minutes without a heartbeat after which a worker is not alive; no heartbeat check when unset. */
  worker_heartbeat: z.number().positive('must be a positive number of minutes').optional(),
  jobSpecFile: fileNameOption(D.jobSpecFile),
  workerAttributesFile: fileNameOption(D.workerAttributesFile),
  jobReportFile: fileNameOption(D.jobReportFile),
  eventStatusDumpJsonFile: fileNameOption(D.eventStatusDumpJsonFile),
  jobRequestFile: fileNameOption(D.jobRequestFile),
  pandaIDsFile: fileNameOption(D.pandaIDsFile),
  eventRequestFile: fileNameOption(D.eventRequestFile),
  eventRangesFile: fileNameOption(D.eventRangesFile),
  updateEventsFile: fileNameOption(D.updateEventsFile),
  killWorkerFile: fileNameOption(D.killWorkerFile),
  heartbeatFile: fileNameOption(D.heartbeatFile),
  xmlPoolCatalogFile: fileNameOption(D.xmlPoolCatalogFile),
  postProcessAttrsFile: fileNameOption(D.postProcessAttrsFile),
  /** Basename patterns (`*` and `?`) of the files postProcessing puts into the job's log tarball. */
  logTarballPatterns: z.array(z.string().min(1)).min(1).default(['*.log', '*.txt', '*.json']),
  /** The tar program of the harvester host (GNU tar: --null -T - is used). */
  tarCommand: z.string().min(1).default('tar'),
  /** Compute an adler32 checksum for outputs the worker reports without one. */
  computeChecksums: z.boolean().default(true),
  /**
   * Seconds a malformed `.read` file is left for another attempt (a writer may still be finishing
   * it) before it is set aside as `<name>.read.bad.<timestamp>`.
   */
  malformedFileGraceSeconds: z.number().int().nonnegative().default(300),
  /** Worker files larger than this are not read (a guard against a runaway worker). */
  maxJsonFileBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
});

export type SharedFileMessengerOptions = z.output<typeof sharedFileMessengerOptionsSchema>;
export type SharedFileMessengerOptionsInput = z.input<typeof sharedFileMessengerOptionsSchema>;
