// Worker numbering for tests: each worker gets the next id and its own access point directory.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface AllocatedAccessPoint {
  workerID: number;
  /** `<root>/w<workerID>`, created. */
  accessPoint: string;
}

/**
 * Returns a function giving the next worker id (1, 2, ...) and creating its access point
 * `<root>/w<workerID>`. One allocator per test helper module: its ids are unique in that module.
 */
export function accessPointAllocator(): (root: string) => Promise<AllocatedAccessPoint> {
  let nextWorkerID = 1;
  return async (root) => {
    const workerID = nextWorkerID++;
    const accessPoint = join(root, `w${workerID}`);
    await mkdir(accessPoint, { recursive: true });
    return { workerID, accessPoint };
  };
}
