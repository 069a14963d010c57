// Documentation of the queue-config schemas for the JSON Schema export: descriptions, defaults and
// definition ids. Kept in a registry of our own (not zod's global one) so that another copy of
// core, or an application registering its own ids, can never collide with ours.
import { z } from 'zod';

export const queueConfigRegistry = z.registry<z.core.GlobalMeta>();

/** Attaches JSON Schema metadata to `schema` and returns it, for use inline in a shape. */
export function documented<S extends z.ZodType>(schema: S, meta: z.core.GlobalMeta): S {
  queueConfigRegistry.add(schema, meta);
  return schema;
}
