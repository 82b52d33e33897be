/**
 * fn over items with at most `limit` calls in flight, results in the items'
 * order. Each call may hold descriptors (a file being read): an unbounded
 * Promise.all over thousands of items holds thousands at once and runs a big
 * fleet's hearthd out of descriptors.
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
