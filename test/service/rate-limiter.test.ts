import {describe, expect, it} from 'vitest';
import {RateLimiter} from '../../source/service/rate-limiter.js';

describe('RateLimiter', () => {
  it('allows events up to the limit and then says how long to wait', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const limiter = new RateLimiter(3, 60_000, () => new Date(now));
    for (let index = 0; index < 3; index++) {
      expect(limiter.retryAfterSeconds('client')).toBe(0);
      limiter.record('client');
      now += 1000;
    }
    expect(limiter.retryAfterSeconds('client')).toBe(57);
    expect(limiter.retryAfterSeconds('another client')).toBe(0);
  });

  it('forgets events once they leave the window', () => {
    let now = 0;
    const limiter = new RateLimiter(1, 10_000, () => new Date(now));
    limiter.record('key');
    expect(limiter.retryAfterSeconds('key')).toBe(10);
    now = 10_000;
    expect(limiter.retryAfterSeconds('key')).toBe(0);
  });
});
