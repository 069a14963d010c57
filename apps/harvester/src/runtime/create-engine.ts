// Composes the engine from a resolved configuration.
import { Engine } from '@harvester-ts/engine';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load-config.js';
import { appImporter } from './plugin-importer.js';

export function createEngine(config: ResolvedConfig, logger: Logger): Promise<Engine> {
  return Engine.create({
    config: config.engine,
    queues: config.queues,
    communicator: config.communicator,
    database: config.database,
    baseDir: config.configDir,
    importer: appImporter,
    logger,
  });
}
