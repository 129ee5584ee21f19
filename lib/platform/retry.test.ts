import { exponentialBackoff, pollUntil, retry } from './retry';

const failing = (times: number, error: unknown = new Error('down')) => {
  const calls: number[] = [];
  const work = async (attempt: number): Promise<string> => {
    calls.push(attempt);
    if (calls.length <= times) throw error;
    return 'done';
  };
  return { calls, work };
};

describe('retry', () => {
  it('pauses exponentially up to a ceiling', () => {
    const pause = exponentialBackoff(100, 1_000);
    expect([1, 2, 3, 4, 5, 6].map(pause)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect([1, 2, 3].map(exponentialBackoff(10, 1_000, 4))).toEqual([10, 40, 160]);
  });

  it('retries until the work succeeds, numbering attempts and reporting each retry', async () => {
    const { calls, work } = failing(3);
    const retries: [number, number][] = [];
    await expect(
      retry(work, { pause: exponentialBackoff(1, 4), onRetry: (_error, n, ms) => retries.push([n, ms]) }),
    ).resolves.toBe('done');
    expect(calls).toEqual([1, 2, 3, 4]);
    expect(retries).toEqual([
      [1, 1],
      [2, 2],
      [3, 4],
    ]);
  });

  it('throws the last failure after the attempts in all', async () => {
    const { calls, work } = failing(10, new Error('still down'));
    await expect(retry(work, { pause: () => 0, attempts: 3 })).rejects.toThrow('still down');
    expect(calls).toEqual([1, 2, 3]);
  });

  it('stops before a pause that would end past the deadline', async () => {
    const { calls, work } = failing(100);
    const started = Date.now();
    await expect(retry(work, { pause: () => 20, deadlineMs: 70 })).rejects.toThrow('down');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.length).toBeLessThanOrEqual(4);
    expect(Date.now() - started).toBeLessThan(70 + 50);
  });

  it('gives up at once on a failure not worth retrying, and after a pause when the world changed', async () => {
    const fatal = failing(5, new TypeError('bad value'));
    await expect(retry(fatal.work, { pause: () => 0, giveUp: (error) => error instanceof TypeError })).rejects.toThrow(
      'bad value',
    );
    expect(fatal.calls).toEqual([1]);

    let stopping = false;
    const { calls, work } = failing(5);
    await expect(
      retry(work, { pause: () => 5, giveUp: () => stopping, onRetry: () => (stopping = true) }),
    ).rejects.toThrow('down');
    expect(calls).toEqual([1]);
  });
});

describe('pollUntil', () => {
  it('asks until the probe says yes', async () => {
    let asked = 0;
    await pollUntil(async () => ++asked === 3, { pause: () => 1, deadlineMs: 1_000, timeout: () => new Error('late') });
    expect(asked).toBe(3);
  });

  it("throws its timeout error past the deadline, and a probe's own error at once", async () => {
    await expect(
      pollUntil(async () => false, { pause: () => 5, deadlineMs: 20, timeout: () => new Error('late') }),
    ).rejects.toThrow('late');
    let asked = 0;
    const probe = async (): Promise<boolean> => {
      asked++;
      throw new Error('query failed');
    };
    await expect(
      pollUntil(probe, { pause: () => 1, deadlineMs: 1_000, timeout: () => new Error('late') }),
    ).rejects.toThrow('query failed');
    expect(asked).toBe(1);
  });
});
