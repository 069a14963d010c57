// Access points the way the shared-file messenger writes them for harvester-worker.sh:
// harvester-jobs.list ("." = the job runs in the access point) and harvester-job.env (single-quoted
// POSIX sh assignments, jobPars already split into HARVESTER_JOB_ARG_<i>).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shq } from './shell-quote.js';

/** Writes the files of one job running `/bin/sh -c <script>` in `accessPoint` (an existing directory). */
export async function writeShellPayload(accessPoint: string, pandaID: number, script: string): Promise<void> {
  await writeFile(join(accessPoint, 'harvester-jobs.list'), '.\n');
  const env = [
    `HARVESTER_PANDA_ID=${shq(String(pandaID))}`,
    `HARVESTER_TASK_ID=${shq('1')}`,
    `HARVESTER_TRANSFORMATION=${shq('/bin/sh')}`,
    `HARVESTER_JOB_PARS=${shq(`-c ${script}`)}`,
    `HARVESTER_JOB_ARGC=${shq('2')}`,
    `HARVESTER_JOB_ARG_1=${shq('-c')}`,
    `HARVESTER_JOB_ARG_2=${shq(script)}`,
  ];
  await writeFile(join(accessPoint, 'harvester-job.env'), `${env.join('\n')}\n`);
}
