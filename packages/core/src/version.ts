import { createRequire } from 'node:module';

// Read from package.json at run time so that the version a plugin is checked against is the
// version actually installed (works from src/ in tests and from dist/ when published).
const require = createRequire(import.meta.url);
const pkg = require('../package.json') as { name: string; version: string };

/** The version of @harvester-ts/core that is running. */
export const CORE_VERSION: string = pkg.version;
export const CORE_PACKAGE_NAME: string = pkg.name;
