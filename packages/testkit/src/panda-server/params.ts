// The real server's argument handling, reproduced: Python's `inspect.Signature.bind` (missing and
// unexpected keyword arguments), then API v1's request_validation decorator (GET values cast to
// the annotated type, every value type-checked strictly), with the exact messages it produces.
import {
  PyException,
  PyFileStorage,
  pyEquals,
  pyFloat,
  pyIntOfFloat,
  pyStr,
  pyStrRepr,
  pyTypeName,
} from './python.js';

/** A parameter annotation of the real server's function signatures. */
export type PyAnnotation =
  | 'str'
  | 'int'
  | 'float'
  | 'bool'
  | 'dict'
  | 'list'
  | 'List'
  | 'List[int]'
  | 'List[str]'
  | 'int | float'
  | 'float | int'
  | 'FileStorage'
  | null;

/** Marks a parameter without default (a required one). */
export const REQUIRED: unique symbol = Symbol('required');

export interface PyParam {
  name: string;
  annotation: PyAnnotation;
  default: unknown | typeof REQUIRED;
}

/** `p('n_jobs', 'int', 1)`; without a default the parameter is required. */
export function p(name: string, annotation: PyAnnotation, ...dflt: [] | [unknown]): PyParam {
  return { name, annotation, default: dflt.length === 0 ? REQUIRED : dflt[0] };
}

/** `Signature.bind(req, **kwargs)` + `apply_defaults()`; throws TypeError with Python's message. */
export function bindArguments(
  params: readonly PyParam[],
  kwargs: Record<string, unknown>,
  functionName: string,
): Record<string, unknown> {
  if ('req' in kwargs) throw new PyException('TypeError', `multiple values for argument 'req'`);
  const bound: Record<string, unknown> = {};
  for (const param of params) {
    if (Object.hasOwn(kwargs, param.name)) bound[param.name] = kwargs[param.name];
    else if (param.default === REQUIRED) {
      throw new PyException('TypeError', `missing a required argument: '${param.name}'`);
    } else bound[param.name] = param.default;
  }
  const unexpected = Object.keys(kwargs).find((k) => !params.some((prm) => prm.name === k));
  if (unexpected !== undefined) {
    throw new PyException('TypeError', `got an unexpected keyword argument ${pyStrRepr(unexpected)}`);
  }
  void functionName;
  return bound;
}

/** Python's message for a plain function called with bad keywords (the legacy API's TypeError). */
export function bindLegacyArguments(
  params: readonly PyParam[],
  kwargs: Record<string, unknown>,
  functionName: string,
): Record<string, unknown> {
  const unexpected = Object.keys(kwargs).find((k) => !params.some((prm) => prm.name === k) || k === 'req');
  if (unexpected === 'req') {
    throw new PyException('TypeError', `${functionName}() got multiple values for argument 'req'`);
  }
  if (unexpected !== undefined) {
    throw new PyException(
      'TypeError',
      `${functionName}() got an unexpected keyword argument ${pyStrRepr(unexpected)}`,
    );
  }
  const missing = params.filter((prm) => prm.default === REQUIRED && !Object.hasOwn(kwargs, prm.name));
  if (missing.length > 0) {
    const names = missing.map((m) => pyStrRepr(m.name));
    const list =
      names.length === 1
        ? names[0]
        : names.length === 2
          ? `${names[0]} and ${names[1]}`
          : `${names.slice(0, -1).join(', ')}, and ${names.at(-1)}`;
    const noun = missing.length === 1 ? 'argument' : 'arguments';
    throw new PyException(
      'TypeError',
      `${functionName}() missing ${missing.length} required positional ${noun}: ${list}`,
    );
  }
  const bound: Record<string, unknown> = {};
  for (const prm of params)
    bound[prm.name] = Object.hasOwn(kwargs, prm.name) ? kwargs[prm.name] : prm.default;
  return bound;
}

/** `type.__name__` as the messages print it (a union has none: Python raises AttributeError). */
function annotationName(annotation: Exclude<PyAnnotation, null>): string {
  if (annotation === 'int | float' || annotation === 'float | int') {
    throw new PyException('AttributeError', "'types.UnionType' object has no attribute '__name__'");
  }
  if (annotation.startsWith('List')) return 'List';
  return annotation;
}

const isInt = (v: unknown): boolean =>
  typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v));
const isDict = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyFileStorage);

/** `isinstance(value, annotation)`; bool is an int in Python. */
export function pyIsInstance(value: unknown, annotation: Exclude<PyAnnotation, null>): boolean {
  switch (annotation) {
    case 'str':
      return typeof value === 'string';
    case 'int':
      return isInt(value);
    case 'float':
      return typeof value === 'number' && !Number.isInteger(value);
    case 'bool':
      return typeof value === 'boolean';
    case 'dict':
      return isDict(value);
    case 'list':
    case 'List':
    case 'List[int]':
    case 'List[str]':
      return Array.isArray(value);
    case 'int | float':
    case 'float | int':
      return typeof value === 'number' || typeof value === 'boolean';
    case 'FileStorage':
      return value instanceof PyFileStorage;
  }
}

/** Python's `ast.literal_eval` for what a query value could hold (JSON-like literals). */
function literalEval(value: unknown): unknown {
  if (typeof value !== 'string') {
    throw new PyException('ValueError', `malformed node or string: ${pyStr(value)}`);
  }
  const s = value.trim();
  try {
    return pyFloat(s);
  } catch {
    // not a number: try a container or constant
  }
  const json = s
    .replaceAll(/\bTrue\b/g, 'true')
    .replaceAll(/\bFalse\b/g, 'false')
    .replaceAll(/\bNone\b/g, 'null');
  try {
    return JSON.parse(json.replaceAll("'", '"'));
  } catch {
    throw new PyException(
      'ValueError',
      `malformed node or string on line 1: <ast.Name object at 0x7f0000000000>`,
    );
  }
}

/** The GET cast of request_validation; throws ValueError/TypeError (reported) or others (HTTP 500). */
function castQueryValue(value: unknown, annotation: Exclude<PyAnnotation, null>, dflt: unknown): unknown {
  if (value === 'None' && dflt === null) return null;
  switch (annotation) {
    case 'str':
      return value;
    case 'bool':
      if (typeof value !== 'string') {
        throw new PyException('AttributeError', `'${pyTypeName(value)}' object has no attribute 'lower'`);
      }
      return ['true', '1'].includes(value.toLowerCase());
    case 'int':
      if (typeof value !== 'string') {
        throw new PyException(
          'TypeError',
          `float() argument must be a string or a real number, not '${pyTypeName(value)}'`,
        );
      }
      return pyIntOfFloat(value);
    default:
      break;
  }
  if (annotation === 'List[int]' || annotation === 'List[str]') {
    throw new Error('list casts are handled by the caller');
  }
  if (pyIsInstance(value, annotation)) return value;
  const v = literalEval(value);
  if (!pyIsInstance(v, annotation)) {
    throw new PyException(
      'TypeError',
      `Expected <class '${annotation}'>, received <class '${pyTypeName(v)}'>`,
    );
  }
  return v;
}

export type ArgumentCheck = { ok: true; args: Record<string, unknown> } | { ok: false; message: string };

/**
 * request_validation's argument handling for one call: bind, then for each annotated parameter
 * whose value is not its default, cast (GET) and type-check. Failures that the real decorator
 * turns into a `success: false` answer come back as `{ ok: false, message }`; exceptions it does
 * not catch are thrown as PyException (the real server answers those with HTTP 500).
 */
export function checkV1Arguments(
  params: readonly PyParam[],
  kwargs: Record<string, unknown>,
  receivedMethod: string,
  functionName: string,
): ArgumentCheck {
  let bound: Record<string, unknown>;
  try {
    bound = bindArguments(params, kwargs, functionName);
  } catch (e) {
    if (e instanceof PyException && e.type === 'TypeError') {
      return { ok: false, message: `Argument error: ${e.message}` };
    }
    throw e;
  }
  for (const param of params) {
    const { annotation, name } = param;
    if (annotation === null) continue;
    const dflt = param.default === REQUIRED ? undefined : param.default;
    let value = bound[name];
    if (param.default !== REQUIRED && pyEquals(dflt, value)) continue;
    if (receivedMethod === 'GET') {
      annotationName(annotation); // the decorator logs the type's name first: a union fails here
      try {
        if (annotation === 'List[int]' || annotation === 'List[str]') {
          if (value === 'None' && dflt === null) value = null;
          else {
            if (typeof value === 'string') value = [value];
            if (annotation === 'List[int]' && Array.isArray(value)) {
              const items: unknown[] = value;
              value = items.map((i) => {
                if (typeof i !== 'string') {
                  throw new PyException(
                    'TypeError',
                    `float() argument must be a string or a real number, not '${pyTypeName(i)}'`,
                  );
                }
                return pyIntOfFloat(i);
              });
            }
          }
        } else {
          value = castQueryValue(value, annotation, dflt);
        }
        bound[name] = value;
      } catch (e) {
        if (e instanceof PyException && (e.type === 'ValueError' || e.type === 'TypeError')) {
          // The message quotes the value as it was when the cast failed (a lone value already wrapped in a list).
          const shown =
            annotation.startsWith('List') && typeof bound[name] === 'string' ? [bound[name]] : value;
          return {
            ok: false,
            message: `Type error: '${name}' with value '${pyStr(shown)}' could not be casted to type ${annotationName(annotation)} from ${pyTypeName(shown)}.`,
          };
        }
        throw e;
      }
    }
    if (annotation === 'List[int]' || annotation === 'List[str]' || annotation === 'List') {
      if (!Array.isArray(value)) {
        return {
          ok: false,
          message: `Type error: '${name}' must be of type list, got ${pyTypeName(value)}.`,
        };
      }
      const element = annotation === 'List[int]' ? 'int' : annotation === 'List[str]' ? 'str' : null;
      if (element !== null && !value.every((i) => pyIsInstance(i, element))) {
        return { ok: false, message: `Type error: All elements in '${name}' must be ${element}.` };
      }
    } else if (!pyIsInstance(value, annotation) && !(value === null && pyEquals(value, dflt))) {
      return {
        ok: false,
        message: `Type error: '${name}' must be of type ${annotationName(annotation)}, got ${pyTypeName(value)}.`,
      };
    }
  }
  return { ok: true, args: bound };
}
