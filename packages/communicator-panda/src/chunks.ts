// Splitting bulk calls the way the server expects them (update_jobs_bulk and get_status take 100
// jobs per call, event updates are bounded by their number of ranges).

/** `items` in consecutive chunks of at most `size`. */
export function chunkBy<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * `items` in consecutive chunks whose total weight is at most `max`; an item heavier than `max`
 * goes alone (it cannot be split without changing what it means).
 */
export function chunkByWeight<T>(items: readonly T[], max: number, weight: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let total = 0;
  for (const item of items) {
    const w = Math.max(1, weight(item));
    if (current.length > 0 && total + w > max) {
      chunks.push(current);
      current = [];
      total = 0;
    }
    current.push(item);
    total += w;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
