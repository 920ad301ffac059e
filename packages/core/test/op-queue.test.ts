import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../src/index.js';

describe('KeyedQueue', () => {
  it('runs one key in order and keys in parallel; a failure does not block the rest', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const a1 = q.run('a', async () => {
      await sleep(20);
      log.push('a1');
    });
    const a2 = q.run('a', async () => {
      log.push('a2');
      throw new Error('boom');
    });
    const a3 = q.run('a', async () => log.push('a3'));
    const b1 = q.run('b', async () => log.push('b1'));
    await Promise.allSettled([a1, a2, a3, b1]);
    expect(log).toEqual(['b1', 'a1', 'a2', 'a3']);
    await expect(a2).rejects.toThrow('boom');
    await sleep(0);
    expect(q.busyKeys).toBe(0);
  });
});
