// The whole panda_queueconfig.json: queue name → queue (or template) entry.
import { z } from 'zod';
import { queueConfigEntrySchema } from './queue-entry.js';
import { queueNameSchema } from './queue-names.js';
import { documented } from './registry.js';

export const queueConfigFileSchema = documented(z.record(queueNameSchema, queueConfigEntrySchema), {
  title: 'harvester-ts queue configuration (panda_queueconfig.json)',
  description:
    "Queues by name ('PQ' or 'PQ/resourceType'). Entries whose name ends in _TEMPLATE or that set " +
    'isTemplateQueue are templates: they are not run, queues name them in templateQueueName.',
});

/** A parsed (not yet resolved) queue configuration file. */
export type QueueConfigFile = z.output<typeof queueConfigFileSchema>;
