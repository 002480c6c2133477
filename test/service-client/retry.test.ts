import {describe, expect, it} from 'vitest';
import fc from 'fast-check';
import {DEFAULT_RETRY_POLICY, retryDelayMs} from '../../source/service-client/retry.js';

const policy = {attempts: 5, baseDelayMs: 500, maxDelayMs: 4000};

describe('retryDelayMs', () => {
  it.each([
    [1, 0, 250],
    [1, 0.999_999, 500],
    [2, 0, 500],
    [3, 0, 1000],
    [4, 0, 2000],
  ])(
    'waits between half and all of the doubled step after %i failures (random %f)',
    (failed, random, expected) => {
      expect(retryDelayMs(failed, policy, random)).toBe(expected);
    },
  );

  it('stops once every attempt is used', () => {
    expect(retryDelayMs(5, policy, 0.5)).toBeUndefined();
    expect(retryDelayMs(DEFAULT_RETRY_POLICY.attempts, DEFAULT_RETRY_POLICY, 0.5)).toBeUndefined();
  });

  it('follows Retry-After within the cap and gives up beyond it', () => {
    expect(retryDelayMs(1, policy, 0.5, 3000)).toBe(3000);
    expect(retryDelayMs(1, policy, 0.5, 60_000)).toBeUndefined();
  });

  it('never waits longer than the cap nor less than half the base', () => {
    fc.assert(
      fc.property(
        fc.integer({min: 1, max: 40}),
        fc.double({min: 0, max: 1, maxExcluded: true, noNaN: true}),
        (n, r) => {
          const delay = retryDelayMs(n, {attempts: 100, baseDelayMs: 500, maxDelayMs: 4000}, r);
          expect(delay).toBeGreaterThanOrEqual(250);
          expect(delay).toBeLessThanOrEqual(4000);
        },
      ),
    );
  });
});
