import {describe, expect, it} from 'vitest';
import {WriteQueue} from '../../../source/service/store/write-queue.js';

describe('WriteQueue', () => {
  it('runs changes one at a time in the order they arrive, even when one fails', async () => {
    const queue = new WriteQueue();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = queue.run(async () => {
      log.push('first starts');
      await gate;
      log.push('first ends');
      throw new Error('first fails');
    });
    const second = queue.run(async () => {
      log.push('second runs');
      return 2;
    });
    await Promise.resolve();
    expect(log).toEqual(['first starts']);
    release();
    await expect(first).rejects.toThrow('first fails');
    await expect(second).resolves.toBe(2);
    expect(log).toEqual(['first starts', 'first ends', 'second runs']);
  });
});
