// A small hand-written Standard Schema for plugin options (testkit depends on no schema library).
// Unknown keys are refused, so a misspelt option in a queue config is an error, not ignored.
import type { StandardSchemaIssue, StandardSchemaV1 } from '@harvester-ts/core';
import type { NumberOrRange } from './random.js';

type Issues = StandardSchemaIssue[];

/** Reads one option; reports problems into `issues` and returns a placeholder then. */
export interface OptionField<T> {
  readonly parse: (value: unknown, key: string, issues: Issues) => T;
}

export type OptionsShape = Record<string, OptionField<unknown>>;
export type OptionsOfShape<S extends OptionsShape> = {
  [K in keyof S]: S[K] extends OptionField<infer T> ? T : never;
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function issue(issues: Issues, key: string, message: string): void {
  issues.push({ message, path: [key] });
}

interface NumberBounds {
  min?: number;
  max?: number;
}

function checkNumber(
  value: unknown,
  key: string,
  issues: Issues,
  integer: boolean,
  { min, max }: NumberBounds,
): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    issue(issues, key, `must be ${integer ? 'an integer' : 'a number'}, got ${describe(value)}`);
    return undefined;
  }
  if (min !== undefined && value < min) {
    issue(issues, key, `must be at least ${min}, got ${value}`);
    return undefined;
  }
  if (max !== undefined && value > max) {
    issue(issues, key, `must be at most ${max}, got ${value}`);
    return undefined;
  }
  return value;
}

/** Builders of option fields. A field given `undefined` takes its default. */
export const option = {
  string(defaultValue: string): OptionField<string> {
    return {
      parse(value, key, issues) {
        if (value === undefined) return defaultValue;
        if (typeof value !== 'string' || value === '') {
          issue(issues, key, `must be a non-empty string, got ${describe(value)}`);
          return defaultValue;
        }
        return value;
      },
    };
  },

  optionalString(): OptionField<string | undefined> {
    return {
      parse(value, key, issues) {
        if (value === undefined || value === null) return undefined;
        if (typeof value !== 'string' || value === '') {
          issue(issues, key, `must be a non-empty string, got ${describe(value)}`);
          return undefined;
        }
        return value;
      },
    };
  },

  number(defaultValue: number, bounds: NumberBounds = {}): OptionField<number> {
    return {
      parse(value, key, issues) {
        if (value === undefined) return defaultValue;
        return checkNumber(value, key, issues, false, bounds) ?? defaultValue;
      },
    };
  },

  integer(defaultValue: number, bounds: NumberBounds = {}): OptionField<number> {
    return {
      parse(value, key, issues) {
        if (value === undefined) return defaultValue;
        return checkNumber(value, key, issues, true, bounds) ?? defaultValue;
      },
    };
  },

  optionalInteger(bounds: NumberBounds = {}): OptionField<number | undefined> {
    return {
      parse(value, key, issues) {
        if (value === undefined || value === null) return undefined;
        return checkNumber(value, key, issues, true, bounds);
      },
    };
  },

  boolean(defaultValue: boolean): OptionField<boolean> {
    return {
      parse(value, key, issues) {
        if (value === undefined) return defaultValue;
        if (typeof value !== 'boolean') {
          issue(issues, key, `must be true or false, got ${describe(value)}`);
          return defaultValue;
        }
        return value;
      },
    };
  },

  oneOf<const V extends string>(values: readonly V[], defaultValue: V): OptionField<V> {
    return {
      parse(value, key, issues) {
        if (value === undefined) return defaultValue;
        if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
          issue(
            issues,
            key,
            `must be one of ${values.map((v) => `'${v}'`).join(', ')}, got ${describe(value)}`,
          );
          return defaultValue;
        }
        return value as V;
      },
    };
  },

  stringList(defaultValue: readonly string[] = []): OptionField<readonly string[]> {
    return {
      parse(value, key, issues) {
        if (value === undefined) return defaultValue;
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
          issue(issues, key, `must be a list of non-empty strings, got ${describe(value)}`);
          return defaultValue;
        }
        return [...(value as string[])];
      },
    };
  },

  /** A non-negative number, or a `[min, max]` range of them. */
  numberOrRange(defaultValue: NumberOrRange): OptionField<NumberOrRange> {
    return {
      parse(value, key, issues) {
        if (value === undefined) return defaultValue;
        if (typeof value === 'number')
          return checkNumber(value, key, issues, false, { min: 0 }) ?? defaultValue;
        if (
          Array.isArray(value) &&
          value.length === 2 &&
          value.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0) &&
          (value[0] as number) <= (value[1] as number)
        ) {
          return [value[0] as number, value[1] as number] as const;
        }
        issue(issues, key, `must be a non-negative number or a [min, max] range, got ${describe(value)}`);
        return defaultValue;
      },
    };
  },
};

/**
 * A Standard Schema for an options object: every key of `shape` is read with its field, any other
 * key is an issue, and a missing object counts as `{}`.
 */
export function optionsSchema<S extends OptionsShape>(
  shape: S,
): StandardSchemaV1<Record<string, unknown>, OptionsOfShape<S>> {
  return {
    '~standard': {
      version: 1,
      vendor: 'harvester-ts-testkit',
      validate(input: unknown) {
        const value = input ?? {};
        if (typeof value !== 'object' || Array.isArray(value)) {
          return { issues: [{ message: `options must be an object, got ${describe(value)}` }] };
        }
        const record = value as Record<string, unknown>;
        const issues: Issues = [];
        for (const key of Object.keys(record)) {
          if (!Object.hasOwn(shape, key)) {
            const known = Object.keys(shape).join(', ');
            issue(issues, key, `unknown option (known options: ${known})`);
          }
        }
        const out: Record<string, unknown> = {};
        for (const [key, field] of Object.entries(shape)) {
          out[key] = field.parse(record[key], key, issues);
        }
        if (issues.length > 0) return { issues };
        return { value: out as OptionsOfShape<S> };
      },
    },
  };
}
