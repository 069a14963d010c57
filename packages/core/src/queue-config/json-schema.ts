// The file format as JSON Schema (draft-07, the dialect editors and most validators support), for
// `@harvester-ts/core/queue-config.schema.json`. It describes the file as written (templates not
// resolved): cross-entry rules (mandatory sections after template merge — preparator and stager
// only when the resolved mapType is not NoJob —, template references, limits against maxWorkers)
// are checked by parseQueueConfigFile only.
import { z } from 'zod';
import { queueConfigFileSchema } from './file.js';
import { queueConfigRegistry } from './registry.js';

export function queueConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(queueConfigFileSchema, {
    target: 'draft-7',
    io: 'input',
    metadata: queueConfigRegistry,
    // Never throw: a construct without a JSON Schema equivalent becomes "any" rather than an error.
    unrepresentable: 'any',
    override: ({ jsonSchema }) => {
      // zod bounds every integer by the safe-integer range; that is noise for a reader of the schema.
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    },
  }) as Record<string, unknown>;
}
