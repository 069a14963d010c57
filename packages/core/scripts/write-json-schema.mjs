// Writes dist/queue-config.schema.json from the zod schema, for editors and for operators
// validating a panda_queueconfig.json without running the harvester.
import { writeFileSync } from 'node:fs';

const core = await import('../dist/index.js');
if (typeof core.queueConfigJsonSchema === 'function') {
  const schema = core.queueConfigJsonSchema();
  writeFileSync(
    new URL('../dist/queue-config.schema.json', import.meta.url),
    `${JSON.stringify(schema, null, 2)}\n`,
  );
}
