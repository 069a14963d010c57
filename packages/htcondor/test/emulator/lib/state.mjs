// The emulated schedds' persistent state, in the directory named by HTCONDOR_EMULATOR_DIR:
//   lock/                     a mkdir lock around every read-modify-write (any number of processes)
//   schedds/<name>/queue.json { nextCluster, jobs: { "C.P": ad }, procs: { "C.P": { pid, killAt } } }
//   schedds/<name>/history.json  [ad, ...] oldest first (condor_history prints newest first)
//   calls.log                 one JSON line per tool invocation { tool, args, pid, at }
//   knobs/                    files the tests write: see knobs() below
// Files are replaced atomically (temporary file, then rename), so a reader without the lock
// always sees a whole file.
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));

export function stateDir() {
  const dir = process.env.HTCONDOR_EMULATOR_DIR;
  if (!dir) {
    process.stderr.write('htcondor emulator: HTCONDOR_EMULATOR_DIR is not set\n');
    process.exit(1);
  }
  mkdirSync(join(dir, 'knobs'), { recursive: true });
  return dir;
}

export const HOST = hostname();
export const USER = userInfo().username;
export const UID_DOMAIN = HOST;
/** The schedd the tools use without -name. */
export function localScheddName() {
  return process.env.HTCONDOR_EMULATOR_SCHEDD ?? HOST;
}

/** The schedds that exist: the local one, plus the names listed in knobs/schedds (one per line). */
export function knownSchedds(dir) {
  const names = [localScheddName()];
  const file = join(dir, 'knobs', 'schedds');
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const n = line.trim();
      if (n && !names.includes(n)) names.push(n);
    }
  }
  return names;
}

/** The schedd a tool talks to (case-insensitive match on -name), or undefined when unknown. */
export function resolveSchedd(dir, name) {
  if (name === undefined) return localScheddName();
  return knownSchedds(dir).find((n) => n.toLowerCase() === name.toLowerCase());
}

const PORTS = new Map();
/** A sinful string for the schedd, as HTCondor prints addresses. */
export function sinful(schedd) {
  if (!PORTS.has(schedd)) {
    let h = 0;
    for (const ch of schedd) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    PORTS.set(schedd, schedd === localScheddName() ? 9618 : 10000 + (h % 20000));
  }
  const port = PORTS.get(schedd);
  return `<127.0.0.1:${port}?addrs=127.0.0.1-${port}&alias=${HOST}>`;
}

/** Whether the schedd is down (knobs/unreachable, or knobs/unreachable@<name>). */
export function unreachable(dir, schedd) {
  return (
    existsSync(join(dir, 'knobs', 'unreachable')) || existsSync(join(dir, 'knobs', `unreachable@${schedd}`))
  );
}

/** Reads a knob file: undefined when absent; JSON when it parses, else the trimmed text. */
export function knob(dir, name) {
  const file = join(dir, 'knobs', name);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8').trim();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function setKnob(dir, name, value) {
  writeAtomic(join(dir, 'knobs', name), typeof value === 'string' ? value : JSON.stringify(value));
}

export function clearKnob(dir, name) {
  rmSync(join(dir, 'knobs', name), { force: true });
}

export function writeAtomic(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function readJson(file, fallback) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT') return fallback;
    throw err;
  }
}

const sleepBuffer = new Int32Array(new SharedArrayBuffer(4));
export function sleepSync(ms) {
  Atomics.wait(sleepBuffer, 0, 0, ms);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Runs fn with the state directory's lock held (a mkdir lock; a dead holder's lock is taken over). */
export function withLock(dir, fn) {
  const lock = join(dir, 'lock');
  const owner = join(lock, 'owner');
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let holder;
      try {
        holder = Number(readFileSync(owner, 'utf8'));
      } catch {
        holder = undefined;
      }
      // A holder that died (or a lock without owner for a while) is stale.
      const stale =
        holder !== undefined && holder > 0
          ? !alive(holder)
          : (() => {
              try {
                return Date.now() - statSync(lock).mtimeMs > 2000;
              } catch {
                return false;
              }
            })();
      if (stale) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (attempt > 6000) throw new Error(`htcondor emulator: cannot take the lock ${lock}`);
      sleepSync(5 + Math.floor(Math.random() * 10));
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function scheddDir(dir, schedd) {
  return join(dir, 'schedds', schedd);
}

export function readQueue(dir, schedd) {
  const q = readJson(join(scheddDir(dir, schedd), 'queue.json'), undefined);
  return q ?? { nextCluster: 1, jobs: {}, procs: {} };
}

export function writeQueue(dir, schedd, queue) {
  writeAtomic(join(scheddDir(dir, schedd), 'queue.json'), JSON.stringify(queue));
}

export function readHistory(dir, schedd) {
  return readJson(join(scheddDir(dir, schedd), 'history.json'), []);
}

export function appendHistory(dir, schedd, ads) {
  const history = readHistory(dir, schedd);
  history.push(...ads);
  writeAtomic(join(scheddDir(dir, schedd), 'history.json'), JSON.stringify(history));
}

/** Appends one line to calls.log (O_APPEND: whole lines even with concurrent tools). */
export function logCall(dir, tool, args) {
  appendFileSync(
    join(dir, 'calls.log'),
    `${JSON.stringify({ tool, args, pid: process.pid, at: new Date().toISOString() })}\n`,
  );
}

export function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

/** Job ids sorted as HTCondor lists them: by cluster, then proc. */
export function sortIds(ids) {
  return [...ids].sort((a, b) => {
    const [ca, pa] = a.split('.').map(Number);
    const [cb, pb] = b.split('.').map(Number);
    return ca - cb || pa - pb;
  });
}

/**
 * Makes sure the schedd's daemon (the process that starts jobs and records their end) runs.
 * Call it after releasing the lock; the daemon registers itself under the lock and exits at
 * once when another one is alive.
 */
export function ensureDaemon(dir, schedd) {
  const pidFile = join(scheddDir(dir, schedd), 'daemon.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    if (pid > 0 && alive(pid)) return;
  }
  const child = spawn(process.execPath, [join(HERE, 'daemon.mjs'), schedd], {
    detached: true,
    stdio: 'ignore',
    env: process.env,
  });
  // Recorded before this tool exits, so `condor_emulator stop` finds a daemon that has not
  // registered itself yet (it takes the pid file when the pid is its own).
  if (child.pid !== undefined) {
    withLock(dir, () => {
      const other = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
      if (!(other > 0 && other !== child.pid && alive(other))) writeAtomic(pidFile, String(child.pid));
    });
  }
  child.unref();
}

/** Terminates a process group (a job) and ignores one that is gone. */
export function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // gone already
  }
}

export { alive };
