// JSON column values.

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };

/**
 * A JSON object stored in a column. Its values are `any` on purpose: TypeORM's insert/update
 * parameter type (QueryDeepPartialEntity) rejects `unknown` values and recurses without end into
 * a recursive JsonValue, so either would make entities unusable with repository.insert/update.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type JsonObject = { [key: string]: any };
