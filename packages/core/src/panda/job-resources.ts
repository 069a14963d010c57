// What a PanDA job asks of the resource: cores, memory, disk, wall time. The worker maker sizes
// workers from these (WorkSpec nCore, minRamCount, maxDiskCount, maxWalltime).
import { asPandaJobDict, PandaDictReader, peekPandaID } from './dict-reader.js';
import { PANDA_NUMERIC_JOB_FIELDS } from './job-dict.js';

export interface PandaJobResources {
  /** coreCount; null when PanDA did not say. */
  coreCount: number | null;
  /** minRamCount, MB. */
  minRamCount: number | null;
  /** maxDiskCount, MB. */
  maxDiskCount: number | null;
  /** maxWalltime, seconds. */
  maxWalltime: number | null;
  /** resource_type (SCORE, MCORE, ...). */
  resourceType: string | null;
}

/** Reader form, shared with the JobSpec mapping so both validate the same way. */
export function readJobResources(reader: PandaDictReader): PandaJobResources {
  return {
    coreCount: reader.int('coreCount', PANDA_NUMERIC_JOB_FIELDS.coreCount),
    minRamCount: reader.int('minRamCount', PANDA_NUMERIC_JOB_FIELDS.minRamCount),
    maxDiskCount: reader.int('maxDiskCount', PANDA_NUMERIC_JOB_FIELDS.maxDiskCount),
    maxWalltime: reader.int('maxWalltime', PANDA_NUMERIC_JOB_FIELDS.maxWalltime),
    resourceType: reader.text('resource_type'),
  };
}

/**
 * The resource request of a PanDA job dictionary (numbers may come as strings; `'NULL'` is
 * null). Throws JobDictError for values that are not non-negative integers.
 */
export function pandaJobResources(dict: unknown): PandaJobResources {
  const d = asPandaJobDict(dict);
  return readJobResources(new PandaDictReader(d, peekPandaID(d)));
}
