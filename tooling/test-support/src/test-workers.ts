// Workers for tests, numbered per helper module, each with its own access point; optionally with the
// shared-file messenger's files for one `/bin/sh -c <script>` job. The WorkSpec itself is built by
// the caller (e.g. with testkit's makeWorkSpec), so this package does not depend on core or testkit.
import { accessPointAllocator } from './access-points.js';
import { writeShellPayload } from './shell-payload.js';

/** What these helpers read of a worker. */
export interface WorkerLike {
  workerID: number;
  accessPoint: string | null;
}

export interface TestWorkers<W extends WorkerLike> {
  /** The next worker with a new, empty access point, `extra` assigned over what `build` gave. */
  bare(root: string, extra?: Partial<W>): Promise<W>;
  /** `bare` plus the files of one job running `/bin/sh -c <script>` (PanDA id 1000 + workerID). */
  withShellPayload(root: string, script: string, extra?: Partial<W>): Promise<W>;
}

/** Workers built by `build(workerID, accessPoint)`, ids 1, 2, ... and access points `<root>/w<workerID>`. */
export function testWorkers<W extends WorkerLike>(
  build: (workerID: number, accessPoint: string) => W,
): TestWorkers<W> {
  const nextAccessPoint = accessPointAllocator();
  const bare = async (root: string, extra: Partial<W> = {}): Promise<W> => {
    const { workerID, accessPoint } = await nextAccessPoint(root);
    return Object.assign(build(workerID, accessPoint), extra);
  };
  return {
    bare,
    async withShellPayload(root, script, extra = {}) {
      const worker = await bare(root, extra);
      await writeShellPayload(worker.accessPoint as string, 1000 + worker.workerID, script);
      return worker;
    },
  };
}
