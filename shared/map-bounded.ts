/**
 * Runs `fn` over `items` with at most `limit` calls at once; the results come back in input order.
 * On the first failure no further item starts, the calls already running finish, and then the first
 * failure is thrown: when the caller sees the error, nothing it started is still running.
 * A `limit` below 1 (or NaN) runs one at a time.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(items.length, limit >= 1 ? Math.floor(limit) : 1));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) throw failure.error;
  return out;
}
