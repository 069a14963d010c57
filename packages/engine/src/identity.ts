import { hostname } from 'node:os';

/** Who this process is, for lease owners and the status history. */
export interface InstanceIdentity {
  harvesterId: string;
  host: string;
  pid: number;
  /** `<harvesterId>@<host>:<pid>` */
  instance: string;
}

export function instanceIdentity(harvesterId: string): InstanceIdentity {
  const host = hostname();
  return { harvesterId, host, pid: process.pid, instance: `${harvesterId}@${host}:${process.pid}` };
}

/** The lease owner string of one agent of this process, e.g. `monitor-h1@host:123`. */
export function leaseOwner(agent: string, id: InstanceIdentity): string {
  return `${agent}-${id.instance}`;
}
