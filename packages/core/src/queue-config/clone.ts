// Copies of configuration values, so that resolved queues share no object with the document or
// with each other. Plain objects and arrays are copied deeply; anything else (numbers, strings,
// but also a function or class instance a caller put in plugin options) is kept as is, where
// structuredClone would throw.
export function cloneConfigValue<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => cloneConfigValue(item)) as T;
  if (typeof value === 'object' && value !== null && isPlainPrototype(Object.getPrototypeOf(value))) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = cloneConfigValue(item);
    return copy as T;
  }
  return value;
}

function isPlainPrototype(proto: unknown): boolean {
  return proto === Object.prototype || proto === null;
}
