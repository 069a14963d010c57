// The job event log (user log) in its default text form (batch-cli-formats.md A6): a header
// `NNN (CCC.PPP.000) YYYY-MM-DD HH:MM:SS <text>`, tab-indented body lines, then `...`.
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

function pad3(n) {
  return String(n).padStart(3, '0');
}

function isoLocal(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function logPath(ad) {
  const log = ad.UserLog;
  if (typeof log !== 'string' || log === '') return undefined;
  return isAbsolute(log) ? log : join(String(ad.Iwd ?? '.'), log);
}

/**
 * Whether the job's UserLog (if any) can be opened for appending: the shadow's initUserLog,
 * whose failure holds the job ("Failed to initialize user log", UnableToInitUserLog = 22).
 */
export function userLogUsable(ad) {
  const path = logPath(ad);
  if (path === undefined) return true;
  try {
    closeSync(openSync(path, 'a', 0o664));
    return true;
  } catch {
    return false;
  }
}

/**
 * Appends one event to the job's UserLog, if it has one. Returns false when it cannot be
 * written: the caller decides (the schedd only logs a failed submit event; the daemon holds a
 * job whose log cannot be opened before it starts it, see userLogUsable).
 */
export function writeEvent(ad, code, text, body = []) {
  const path = logPath(ad);
  if (path === undefined) return true;
  const header = `${pad3(code)} (${pad3(ad.ClusterId)}.${pad3(ad.ProcId)}.000) ${isoLocal(new Date())} ${text}`;
  const lines = [header, ...body.map((b) => `\t${b}`), '...'];
  try {
    appendFileSync(path, `${lines.join('\n')}\n`);
    return true;
  } catch {
    return false;
  }
}

const USAGE = [
  '\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Remote Usage',
  '\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Local Usage',
  '\tUsr 0 00:00:00, Sys 0 00:00:00  -  Total Remote Usage',
  '\tUsr 0 00:00:00, Sys 0 00:00:00  -  Total Local Usage',
];

export function submitEvent(ad, sinful) {
  return writeEvent(ad, 0, `Job submitted from host: ${sinful}`);
}

export function executeEvent(ad, sinful, slot) {
  writeEvent(ad, 1, `Job executing on host: ${sinful}`, [`SlotName: ${slot}`]);
}

export function terminatedEvent(ad) {
  const normal = ad.ExitBySignal !== true;
  writeEvent(ad, 5, 'Job terminated.', [
    normal
      ? `(1) Normal termination (return value ${ad.ExitCode})`
      : `(0) Abnormal termination (signal ${ad.ExitSignal})`,
    ...(normal ? [] : ['(0) No core file']),
    ...USAGE,
    '0  -  Run Bytes Sent By Job',
    '0  -  Run Bytes Received By Job',
    '0  -  Total Bytes Sent By Job',
    '0  -  Total Bytes Received By Job',
  ]);
}

export function abortedEvent(ad, reason) {
  writeEvent(ad, 9, 'Job was aborted.', [reason]);
}

export function heldEvent(ad) {
  writeEvent(ad, 12, 'Job was held.', [
    ad.HoldReason ?? 'Reason unspecified',
    `Code ${ad.HoldReasonCode ?? 0} Subcode ${ad.HoldReasonSubCode ?? 0}`,
  ]);
}

export function releasedEvent(ad, reason) {
  writeEvent(ad, 13, 'Job was released.', [reason]);
}
