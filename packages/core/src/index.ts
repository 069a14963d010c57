// @harvester-ts/core: the contracts every harvester-ts package and plugin shares.
export * from './entities/index.js';
export * from './errors.js';
export * from './panda/index.js';
export * from './plugins/index.js';
export * from './queue-config/index.js';
export * from './status/index.js';
export * from './util/index.js';
export { CORE_PACKAGE_NAME, CORE_VERSION } from './version.js';
