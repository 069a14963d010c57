// @harvester-ts/htcondor: HTCondor batch jobs as workers (submitter, monitor, sweeper).
export {};
