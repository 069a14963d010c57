// A real Docker Engine (`bash scripts/services.sh up docker`): Debian's dockerd with the test image
// imported from a busybox rootfs (no registry is reachable), and stopping and starting the engine for
// tests of "dockerd went away during monitoring and came back". dockerd runs with live-restore:
// containers keep running while it is down, and one that exits meanwhile is reported with its real
// exit code and FinishedAt once dockerd is back.
import { spawnSync } from 'node:child_process';
import { runServicesScript } from './services.js';

/**
 * The image `services.sh up docker` imports: busybox-static with every applet in /bin (`sh`, `sleep`,
 * `head`, `tr`, `wget`, ...), /usr/bin and /sbin linking to /bin, a world-writable /tmp, and the users
 * root and nobody (65534). CMD is `sh`; there is no ENTRYPOINT.
 */
export const DOCKER_TEST_IMAGE = 'harvester-test/busybox:latest';

const PROBE_TIMEOUT_MS = 5000;

function dockerCli(args: string[]): { ok: boolean; out: string; whyNot: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, out: '', whyNot: 'the docker CLI is not installed' };
    if (code === 'ETIMEDOUT') {
      return {
        ok: false,
        out: '',
        whyNot: `docker ${args[0]} did not answer within ${PROBE_TIMEOUT_MS / 1000} s`,
      };
    }
    return { ok: false, out: '', whyNot: `docker ${args[0]}: ${r.error.message}` };
  }
  if (r.status !== 0) {
    const detail = r.stderr.trim().split('\n').pop() || `exit status ${r.status ?? r.signal}`;
    return { ok: false, out: r.stdout, whyNot: `docker ${args[0]} failed: ${detail}` };
  }
  return { ok: true, out: r.stdout.trim(), whyNot: '' };
}

/**
 * Whether the Docker daemon answers and the test image exists. Synchronous, so a test file can call it
 * at load time for `describeWithService('docker', ...)`; it waits 5 s at most per docker call.
 */
export function probeDocker(): { available: boolean; whyNot: string } {
  const version = dockerCli(['version', '--format', '{{.Server.Version}}']);
  if (!version.ok) return { available: false, whyNot: version.whyNot || 'dockerd does not answer' };
  const image = dockerCli(['image', 'inspect', '--format', '{{.Id}}', DOCKER_TEST_IMAGE]);
  if (!image.ok) return { available: false, whyNot: `the test image ${DOCKER_TEST_IMAGE} is missing` };
  return { available: true, whyNot: '' };
}

/**
 * Stops dockerd (SIGTERM, waits until it has exited, about 2.5 s). Running containers keep running
 * (live-restore); the Engine API is unreachable until `startDockerd()`. Needs root.
 */
export function stopDockerd(): void {
  runServicesScript('stop-dockerd');
}

/** Starts dockerd again and returns once `docker info` answers (well under a second here). */
export function startDockerd(): void {
  runServicesScript('start-dockerd');
}

/** `stopDockerd()` then `startDockerd()`: containers started before are still running afterwards. */
export function restartDockerd(): void {
  runServicesScript('restart-dockerd');
}
