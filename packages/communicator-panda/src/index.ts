// @harvester-ts/communicator-panda: the PanDA server as the WMS.
export {};
