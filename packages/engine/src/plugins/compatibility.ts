/**
 * The @harvester-ts/core versions the engine's own plugins (SharedFileMessenger,
 * SimpleWorkerMaker) declare they work with.
 */
export const ENGINE_PLUGIN_COMPATIBILITY = '^0.1.0';
