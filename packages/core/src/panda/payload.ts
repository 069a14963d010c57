// The payload a PanDA job runs: the transformation (executable or script URL) and its
// arguments (jobPars, one shell-quoted string, kept as PanDA sent it).
import { asPandaJobDict, describeValue, isPandaNull, PandaDictReader, peekPandaID } from './dict-reader.js';

export interface PandaPayloadCommand {
  transformation: string;
  /** The arguments, unsplit ('' when there are none). */
  jobPars: string;
  /** `transformation jobPars`, for logs and for workers that run the payload through a shell. */
  commandLine: string;
}

/**
 * The payload command of a job dictionary; null when it names no transformation. Throws
 * JobDictError when transformation or jobPars is not a string.
 */
export function pandaPayloadCommand(dict: unknown): PandaPayloadCommand | null {
  const d = asPandaJobDict(dict);
  const reader = new PandaDictReader(d, peekPandaID(d));
  const transformation = reader.text('transformation');
  if (transformation === null) return null;
  const raw = d.jobPars;
  let jobPars = '';
  if (!isPandaNull(raw)) {
    if (typeof raw !== 'string') {
      throw reader.error(`jobPars must be a string, got ${describeValue(raw)}`, {
        field: 'jobPars',
        value: raw,
      });
    }
    jobPars = raw;
  }
  const args = jobPars.trim();
  return { transformation, jobPars, commandLine: args === '' ? transformation : `${transformation} ${args}` };
}
