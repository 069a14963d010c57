// A real one-node Slurm (`bash scripts/services.sh up slurm`): whether it takes jobs, and stopping and
// starting its controller for tests of "slurmctld went away during monitoring and came back".
// Jobs keep running while slurmctld is down (slurmd and slurmstepd stay up); slurmctld recovers its
// saved state when it starts again, and jobs that ended meanwhile are reported to it soon after.
import { spawnSync } from 'node:child_process';
import { runServicesScript } from './services.js';

/** Node states in which a node answers and accepts jobs (`sinfo -o %T`; a `*` suffix means not responding). */
const USABLE_NODE_STATE = /^(idle|mixed|allocated|completing|planned)$/;

/**
 * Whether Slurm answers (`sinfo`) and at least one node takes jobs. Synchronous, so a test file can
 * call it at load time for `describeWithService('slurm', ...)`. With slurmctld down, `sinfo` fails
 * with "Unable to contact slurm controller" after about 4 s; the probe waits 5 s at most.
 */
export function probeSlurm(): { available: boolean; whyNot: string } {
  const r = spawnSync('sinfo', ['-h', '-N', '-o', '%N %T'], { encoding: 'utf8', timeout: 5000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { available: false, whyNot: 'sinfo is not installed' };
    if (code === 'ETIMEDOUT')
      return { available: false, whyNot: 'sinfo did not answer within 5 s (slurmctld down?)' };
    return { available: false, whyNot: `sinfo: ${r.error.message}` };
  }
  if (r.status !== 0) {
    return { available: false, whyNot: `sinfo failed: ${r.stderr.trim() || `exit status ${r.status}`}` };
  }
  const nodes = [...new Set(r.stdout.split('\n').filter((line) => line.trim() !== ''))];
  if (nodes.length === 0) return { available: false, whyNot: 'sinfo lists no nodes' };
  if (!nodes.some((line) => USABLE_NODE_STATE.test(line.trim().split(/\s+/)[1] ?? ''))) {
    return { available: false, whyNot: `no node takes jobs (${nodes.join(', ')})` };
  }
  return { available: true, whyNot: '' };
}

/** Stops slurmctld only (SIGTERM, waits until it has exited). Needs root. */
export function stopSlurmctld(): void {
  runServicesScript('stop-slurmctld');
}

/** Starts slurmctld again and returns once it answers and the node takes jobs (a few seconds). */
export function startSlurmctld(): void {
  runServicesScript('start-slurmctld');
}
