// The JSON Schema of harvester.config.json (for editors: "$schema"), with the queues described by
// core's queue-configuration schema.
import { queueConfigJsonSchema } from '@harvester-ts/core';
import { z } from 'zod';
import { appConfigSchema } from './app-config.js';

export function appConfigJsonSchema(): Record<string, unknown> {
  const app = z.toJSONSchema(appConfigSchema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown> & {
    properties: Record<string, unknown>;
    definitions?: Record<string, unknown>;
  };
  const queues = queueConfigJsonSchema() as Record<string, unknown> & {
    definitions?: Record<string, unknown>;
  };
  const { $schema: _s, definitions: queueDefs, ...queueFile } = queues;
  app.properties.queues = {
    description:
      'The queues: a panda_queueconfig.json object, or the path of such a file (Python Harvester files are mapped). Default: the queue "local".',
    anyOf: [{ type: 'string', minLength: 1 }, { $ref: '#/definitions/QueueConfigFile' }],
  };
  app.definitions = { ...(app.definitions ?? {}), ...(queueDefs ?? {}), QueueConfigFile: queueFile };
  app.title = 'harvester-ts configuration (harvester.config.json)';
  return app;
}
