import { createLogger } from './logger';
import { once, stopAll, type Service } from './shutdown';

const log = createLogger({ service: 'test', level: 'silent' });

function service(name: string, calls: string[], stop?: () => Promise<void>): Service {
  return {
    name,
    start: async () => undefined,
    stop: stop ?? (async () => void calls.push(name)),
    healthcheck: async () => true,
  };
}

describe('stopAll', () => {
  it('stops in reverse order and carries on past a failing or hanging step', async () => {
    const calls: string[] = [];
    const failing = service('b', calls, async () => {
      throw new Error('boom');
    });
    const hanging = service('c', calls, () => new Promise<void>(() => undefined));
    await stopAll([service('a', calls), failing, hanging, service('d', calls)], log, 50);
    expect(calls).toEqual(['d', 'a']);
  });

  it('once() makes a stop safe to call twice', async () => {
    let count = 0;
    const stop = once(async () => void count++);
    await Promise.all([stop(), stop()]);
    await stop();
    expect(count).toBe(1);
  });
});
