#!/usr/bin/env node
// The emulated schedd + startd of one schedd: starts idle jobs as local process groups (Cmd and
// its arguments in Iwd, stdin/stdout/stderr from In/Out/Err), records how they end, kills the
// processes of jobs that were removed or held, and moves finished and removed jobs to the
// history. It runs while there is something to do and exits when the queue has nothing idle or
// running. Started by the tools (ensureDaemon); only one per schedd (pid file under the lock).
//
// Knobs: knobs/start-delay-ms (a job starts this long after it was queued or released),
// knobs/hold-on-start ({reason, code, subCode}: a job is held instead of started).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { executeEvent, heldEvent, terminatedEvent, userLogUsable } from './eventlog.mjs';
import {
  alive,
  appendHistory,
  HOST,
  killGroup,
  knob,
  nowSeconds,
  readQueue,
  scheddDir,
  sinful,
  stateDir,
  withLock,
  writeQueue,
} from './state.mjs';
import { jobArgv, jobPath, parseEnvironment } from './submit.mjs';

const schedd = process.argv[2];
const dir = stateDir();
const pidFile = join(scheddDir(dir, schedd), 'daemon.pid');
const KILL_GRACE_MS = 3000;
const SIGNALS = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGTERM: 15,
  SIGSEGV: 11,
  SIGABRT: 6,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
};

/** Child processes of this daemon: id -> ChildProcess. */
const children = new Map();

const registered = withLock(dir, () => {
  if (existsSync(pidFile)) {
    const other = Number(readFileSync(pidFile, 'utf8'));
    if (other > 0 && other !== process.pid && alive(other)) return false;
  }
  writeFileSync(pidFile, String(process.pid));
  return true;
});
if (!registered) process.exit(0);

function jobEnv(ad) {
  const env = ad.GetEnv === true ? { ...process.env } : { PATH: '/usr/local/bin:/usr/bin:/bin' };
  for (const key of Object.keys(env)) if (key.startsWith('HTCONDOR_EMULATOR')) delete env[key];
  const entries =
    typeof ad.Environment === 'string'
      ? parseEnvironment(`"${ad.Environment}"`)
      : typeof ad.Env === 'string'
        ? parseEnvironment(ad.Env)
        : [];
  for (const [k, v] of entries) env[k] = v;
  env._CONDOR_SCRATCH_DIR = ad.Iwd;
  env._CONDOR_JOB_IWD = ad.Iwd;
  env._CONDOR_SLOT = 'slot1';
  env.CONDOR_ID = `${ad.ClusterId}.${ad.ProcId}`;
  return env;
}

function openFor(ad, value, flags) {
  if (value === '/dev/null') return openSync('/dev/null', flags);
  return openSync(jobPath(ad, value), flags);
}

function hold(ad, reason, code, subCode) {
  ad.LastJobStatus = ad.JobStatus;
  ad.JobStatus = 5;
  ad.EnteredCurrentStatus = nowSeconds();
  ad.HoldReason = reason;
  ad.HoldReasonCode = code;
  ad.HoldReasonSubCode = subCode;
  ad.NumHolds = (ad.NumHolds ?? 0) + 1;
  heldEvent(ad);
}

/** Starts a job (under the lock); false when it was held instead. */
function start(queue, id, ad) {
  const holdOnStart = knob(dir, 'hold-on-start');
  if (holdOnStart) {
    const h = typeof holdOnStart === 'object' ? holdOnStart : { reason: String(holdOnStart) };
    hold(ad, h.reason ?? 'Reason unspecified', h.code ?? 0, h.subCode ?? 0);
    return false;
  }
  if (!userLogUsable(ad)) {
    // The shadow's initUserLog (baseshadow.cpp): CONDOR_HOLD_CODE::UnableToInitUserLog.
    hold(ad, 'Failed to initialize user log', 22, 0);
    return false;
  }
  let fds = [];
  let child;
  try {
    const inFd = openFor(ad, ad.In ?? '/dev/null', 'r');
    const outFd = openFor(ad, ad.Out ?? '/dev/null', 'w');
    const errFd = ad.Err === ad.Out ? outFd : openFor(ad, ad.Err ?? '/dev/null', 'w');
    fds = [...new Set([inFd, outFd, errFd])];
    const [cmd, ...args] = jobArgv(ad);
    child = spawn(cmd, args, { cwd: ad.Iwd, env: jobEnv(ad), stdio: [inFd, outFd, errFd], detached: true });
  } catch (err) {
    for (const fd of fds) closeSync(fd);
    hold(ad, `Error from slot1@${HOST}: Failed to execute '${ad.Cmd}': ${err.message}`, 6, 2);
    return false;
  }
  for (const fd of fds) closeSync(fd);
  const now = nowSeconds();
  ad.LastJobStatus = ad.JobStatus;
  ad.JobStatus = 2;
  ad.EnteredCurrentStatus = now;
  ad.JobStartDate ??= now;
  ad.JobCurrentStartDate = now;
  ad.NumJobStarts = (ad.NumJobStarts ?? 0) + 1;
  ad.RemoteHost = `slot1@${HOST}`;
  ad.LastRemoteHost = `slot1@${HOST}`;
  queue.procs[id] = { pid: child.pid };
  children.set(id, child);
  executeEvent(ad, sinful(schedd), `slot1@${HOST}`);
  child.on('error', (err) => finish(id, { error: err }));
  child.on('exit', (code, signal) => finish(id, { code, signal }));
  return true;
}

/** A job process ended: complete the job, or finish its removal; a held job stays held. */
function finish(id, how) {
  if (!children.has(id)) return;
  children.delete(id);
  withLock(dir, () => {
    const queue = readQueue(dir, schedd);
    delete queue.procs[id];
    const ad = queue.jobs[id];
    if (!ad) {
      writeQueue(dir, schedd, queue);
      return;
    }
    const now = nowSeconds();
    const wall = now - (ad.JobCurrentStartDate ?? now);
    ad.RemoteWallClockTime = { real: (ad.RemoteWallClockTime?.real ?? 0) + wall };
    delete ad.RemoteHost;
    if (ad.JobStatus === 2) {
      if (how.error) {
        hold(ad, `Error from slot1@${HOST}: Failed to execute '${ad.Cmd}': ${how.error.message}`, 6, 2);
      } else {
        ad.LastJobStatus = 2;
        ad.JobStatus = 4;
        ad.EnteredCurrentStatus = now;
        ad.CompletionDate = now;
        if (how.signal) {
          ad.ExitBySignal = true;
          ad.ExitSignal = SIGNALS[how.signal] ?? 9;
        } else {
          ad.ExitBySignal = false;
          ad.ExitCode = how.code ?? 0;
        }
        terminatedEvent(ad);
        if (!leaveInQueue(ad)) {
          delete queue.jobs[id];
          appendHistory(dir, schedd, [ad]);
        }
      }
    } else if (ad.JobStatus === 3) {
      delete queue.jobs[id];
      appendHistory(dir, schedd, [ad]);
    } else if (ad.JobStatus === 1) {
      // Released while its process was still being killed: runs again.
    }
    writeQueue(dir, schedd, queue);
  });
}

function leaveInQueue(ad) {
  const v = ad.LeaveJobInQueue;
  if (v === true) return true;
  return typeof v === 'object' && v !== null && 'expr' in v;
}

function startDelaySeconds() {
  const v = Number(knob(dir, 'start-delay-ms') ?? 0);
  return Number.isFinite(v) && v > 0 ? v / 1000 : 0;
}

/** One pass over the queue; returns whether there is anything left to do. */
function tick() {
  return withLock(dir, () => {
    const queue = readQueue(dir, schedd);
    const now = Date.now();
    let busy = children.size > 0;
    let changed = false;
    const delay = startDelaySeconds();
    for (const [id, ad] of Object.entries(queue.jobs)) {
      const proc = queue.procs[id];
      const mine = children.get(id);
      if (proc && !mine && !alive(proc.pid)) {
        // A process of an earlier daemon that is gone: the job is lost, it runs again.
        delete queue.procs[id];
        changed = true;
        if (ad.JobStatus === 2) {
          ad.LastJobStatus = 2;
          ad.JobStatus = 1;
          ad.EnteredCurrentStatus = Math.floor(now / 1000);
        }
      }
      if (mine && (ad.JobStatus === 3 || ad.JobStatus === 5)) {
        const p = queue.procs[id] ?? { pid: mine.pid };
        if (p.killAt === undefined) {
          killGroup(mine.pid, 'SIGTERM');
          p.killAt = now + KILL_GRACE_MS;
          queue.procs[id] = p;
          changed = true;
        } else if (now >= p.killAt) {
          killGroup(mine.pid, 'SIGKILL');
        }
        busy = true;
        continue;
      }
      if (ad.JobStatus === 3 && !mine) {
        delete queue.jobs[id];
        delete queue.procs[id];
        appendHistory(dir, schedd, [ad]);
        changed = true;
        continue;
      }
      if (ad.JobStatus === 1 && !mine) {
        busy = true;
        if (now / 1000 >= (ad.EnteredCurrentStatus ?? 0) + delay) {
          start(queue, id, ad);
          changed = true;
        }
      }
    }
    if (changed) writeQueue(dir, schedd, queue);
    if (!busy) rmSync(pidFile, { force: true });
    return busy;
  });
}

function loop() {
  let again;
  try {
    again = tick();
  } catch (err) {
    process.stderr.write(`htcondor emulator daemon: ${err.stack ?? err}\n`);
    again = true;
  }
  if (again) setTimeout(loop, 100);
}
loop();

// The job processes are in their own process groups; they end with the emulator's cleanup.
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    for (const child of children.values()) killGroup(child.pid, 'SIGKILL');
    process.exit(0);
  });
}
