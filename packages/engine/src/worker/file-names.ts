// Files that exist only between the shared-file messenger and harvester-worker.sh (in addition
// to Harvester's own payload-interaction files, see SHARED_FILE_DEFAULT_NAMES).
export const WORKER_WRAPPER_FILE_NAMES = {
  /** The wrapper script itself (under the engine package's `worker/` directory). */
  script: 'harvester-worker.sh',
  /** `<accessPoint>/harvester-jobs.list`: one job directory per line, relative to the access point (`.` or a PandaID). */
  jobList: 'harvester-jobs.list',
  /** `<jobDir>/harvester-job.env`: the job as POSIX sh variable assignments. */
  jobEnv: 'harvester-job.env',
  /** `<accessPoint>/harvester-worker.env`: worker identity and the payload-interaction file names. */
  workerEnv: 'harvester-worker.env',
  /** `<accessPoint>/harvester-worker.exit`: the wrapper's exit code, a decimal integer and a newline. */
  exitCode: 'harvester-worker.exit',
  /** `<jobDir>/payload.stdout` and `payload.stderr`: the payload's output. */
  payloadStdout: 'payload.stdout',
  payloadStderr: 'payload.stderr',
} as const;

export type WorkerWrapperFileNames = typeof WORKER_WRAPPER_FILE_NAMES;
