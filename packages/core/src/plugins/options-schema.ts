// Plugin options are validated against any "Standard Schema" (zod 4, valibot, arktype, ...), so a
// third-party plugin is not tied to the zod copy core uses. https://standardschema.dev
import type { ConfigIssue } from '../errors.js';

export interface StandardSchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardSchemaIssue> };

export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export type InferSchemaOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : never;

export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const std = (value as { '~standard'?: { version?: unknown; validate?: unknown } })['~standard'];
  return typeof std === 'object' && std !== null && std.version === 1 && typeof std.validate === 'function';
}

function pathToString(path: StandardSchemaIssue['path']): string {
  if (!path || path.length === 0) return '';
  return path
    .map((seg) => (typeof seg === 'object' && seg !== null && 'key' in seg ? seg.key : seg))
    .map((key) => String(key))
    .join('.');
}

export type OptionsValidation<O> = { ok: true; value: O } | { ok: false; issues: ConfigIssue[] };

/** Validates options; issue paths are dotted and prefixed with `pathPrefix` when given. */
export async function validateOptions<O>(
  schema: StandardSchemaV1<unknown, O>,
  value: unknown,
  pathPrefix = '',
): Promise<OptionsValidation<O>> {
  const result = await schema['~standard'].validate(value);
  if (result.issues === undefined) return { ok: true, value: result.value };
  return {
    ok: false,
    issues: result.issues.map((issue) => {
      const local = pathToString(issue.path);
      return {
        path: [pathPrefix, local].filter((p) => p !== '').join('.'),
        message: issue.message,
      };
    }),
  };
}
