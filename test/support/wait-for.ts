/** Polls probe until predicate holds or the timeout passes; the last value is in the error. No sleeps in tests. */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  predicate: (value: T) => boolean,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (predicate(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const detail = lastError ? `; last error: ${(lastError as Error).message}` : '';
  throw new Error(`waitFor timed out after ${timeoutMs} ms; last value: ${JSON.stringify(last)}${detail}`);
}
