// From a Docker container state (State.Status, ExitCode, OOMKilled, Error) to a worker status.
// Every state of the Engine is in the table; a state that is not is never guessed: the worker is
// retried later.
import { retryLater, type WorkerCheckResult, WorkerStatus, workerStatus } from '@harvester-ts/core';
import { formatBytes } from './commands.js';

/**
 * What each container state means for the worker. `over`: it has ended — finished or failed by
 * its exit code; `retry`: a passing state that says nothing yet.
 */
export const DOCKER_STATE_MAP: Readonly<Record<string, WorkerStatus | 'over' | 'retry'>> = {
  // Created, not started (yet): a container that failed to start is `created` with State.Error.
  created: WorkerStatus.submitted,
  running: WorkerStatus.running,
  // Frozen or restarting by someone's hand (the plugin never pauses nor restarts): not over.
  paused: WorkerStatus.running,
  restarting: WorkerStatus.running,
  // Being removed: the next look finds it gone (or ended).
  removing: 'retry',
  exited: 'over',
  // The Engine could not stop or remove it cleanly: it ended.
  dead: WorkerStatus.failed,
};

/** What the monitor learnt about one container. */
export interface DockerObservation {
  /** The container's name (or id) for diagnostics. */
  name: string;
  /** State.Status. */
  state: string;
  exitCode?: number | undefined;
  oomKilled?: boolean | undefined;
  /** State.Error. */
  error?: string | undefined;
  /** HostConfig.Memory in bytes (0 or undefined: none). */
  memoryLimit?: number | undefined;
  /** The sweeper asked this container to stop (its kill record). */
  killRequested?: boolean | undefined;
}

/** What the monitor records for one container. */
export interface MappedDockerStatus {
  report: WorkerCheckResult;
  /** State.Status, with ` (OOMKilled)` when the kernel killed a process of it for memory. */
  nativeStatus: string;
  nativeExitCode?: number;
}

function oomText(obs: DockerObservation): string {
  return obs.memoryLimit
    ? `OOMKilled: it went over its memory limit of ${formatBytes(obs.memoryLimit)}`
    : 'OOMKilled: out of memory';
}

/**
 * The worker status of a container (see DOCKER_STATE_MAP). An exited container: exit code 0 →
 * finished (an OOM kill it survived is only noted); otherwise cancelled when the sweeper stopped
 * it, else failed. nativeExitCode is the container's exit code once it is over.
 */
export function mapDockerStatus(obs: DockerObservation): MappedDockerStatus {
  const state = obs.state.trim();
  const oom = obs.oomKilled === true;
  const nativeStatus = oom ? `${state} (OOMKilled)` : state;
  const status = Object.hasOwn(DOCKER_STATE_MAP, state) ? DOCKER_STATE_MAP[state] : undefined;
  const error = obs.error?.trim() ? `: ${obs.error.trim()}` : '';
  const who = `container ${obs.name}`;
  if (status === undefined) {
    return {
      report: retryLater(`${who} is in a state this plugin does not know: ${JSON.stringify(obs.state)}`),
      nativeStatus,
    };
  }
  if (status === 'retry') return { report: retryLater(`${who} is ${state}`), nativeStatus };
  if (status === WorkerStatus.submitted) {
    // A start that failed leaves the container created, with the reason in State.Error.
    if (error) {
      const mapped: MappedDockerStatus = {
        report: workerStatus(WorkerStatus.failed, `${who} could not start${error}`),
        nativeStatus,
      };
      if (obs.exitCode) mapped.nativeExitCode = obs.exitCode;
      return mapped;
    }
    return { report: workerStatus(WorkerStatus.submitted), nativeStatus };
  }
  if (status === WorkerStatus.running) {
    return {
      report:
        state === 'running'
          ? workerStatus(WorkerStatus.running)
          : workerStatus(WorkerStatus.running, `${who} is ${state}`),
      nativeStatus,
    };
  }
  const code = obs.exitCode ?? 0;
  if (status === WorkerStatus.failed) {
    return {
      report: workerStatus(
        WorkerStatus.failed,
        `${who} is ${state} (exit code ${code})${oom ? `; ${oomText(obs)}` : ''}${error}`,
      ),
      nativeStatus,
      nativeExitCode: code,
    };
  }
  // exited
  if (code === 0) {
    const note = oom ? `${who} exited with code 0; a process of it was ${oomText(obs)}` : undefined;
    return { report: workerStatus(WorkerStatus.finished, note), nativeStatus, nativeExitCode: 0 };
  }
  const signal = code > 128 && code < 160 ? ` (signal ${code - 128})` : '';
  const why = oom ? `; ${oomText(obs)}` : '';
  if (obs.killRequested && !oom) {
    return {
      report: workerStatus(
        WorkerStatus.cancelled,
        `${who} was stopped by the sweeper and exited with code ${code}${signal}${error}`,
      ),
      nativeStatus,
      nativeExitCode: code,
    };
  }
  return {
    report: workerStatus(WorkerStatus.failed, `${who} exited with code ${code}${signal}${why}${error}`),
    nativeStatus,
    nativeExitCode: code,
  };
}
