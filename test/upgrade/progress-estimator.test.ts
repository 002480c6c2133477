import {describe, expect, it} from 'vitest';
import fc from 'fast-check';
import {
  expectedMs,
  ProgressEstimator,
  CARD_TIMINGS,
  REAL_CARD_TIMINGS,
  type CardTimings,
  type PlannedTask,
} from '../../source/upgrade/progress-estimator.js';

const rsaUpgrade: PlannedTask[] = [
  {kind: 'authenticate-card'},
  ...Array.from({length: 4}, () => [
    {kind: 'generate-key', algorithm: 'rsa-2048'} as const,
    {kind: 'sign-request', algorithm: 'rsa-2048'} as const,
    {kind: 'install-certificate', algorithm: 'rsa-2048'} as const,
  ]).flat(),
  {kind: 'await-certificate'},
  {kind: 'await-certificate'},
  {kind: 'delete-old'},
  {kind: 'complete'},
];

describe('ProgressEstimator', () => {
  it('expects an RSA-2048 card to take about 25 seconds before anything was measured', () => {
    const estimator = new ProgressEstimator(rsaUpgrade, REAL_CARD_TIMINGS, 0);
    const {estimatedRemainingMs, fraction} = estimator.estimate(0);
    expect(estimatedRemainingMs).toBeGreaterThan(22_000);
    expect(estimatedRemainingMs).toBeLessThan(30_000);
    expect(fraction).toBe(0);
  });

  it('expects the two-PIN SITHS card’s file system to add its APDUs to each task, and a PIV card none', () => {
    const remaining = (timings: CardTimings) => new ProgressEstimator(rsaUpgrade, timings, 0).estimate(0);
    expect(CARD_TIMINGS.piv).toBe(REAL_CARD_TIMINGS);
    const extra =
      remaining(CARD_TIMINGS['siths-eid']).estimatedRemainingMs -
      remaining(REAL_CARD_TIMINGS).estimatedRemainingMs;
    // 4 x (7 + 4 + 49) + 42 + 40 APDUs of 40 ms.
    expect(extra).toBe((4 * (7 + 4 + 49) + 42 + 40) * 40);
    expect(expectedMs({kind: 'delete-old'}, CARD_TIMINGS['siths-eid'])).toBe(44 * 40);
    expect(expectedMs({kind: 'await-certificate'}, CARD_TIMINGS['siths-eid'])).toBe(
      REAL_CARD_TIMINGS.serviceCallMs,
    );
  });

  it('expects an ECC P-256 card to take a few seconds', () => {
    const ecc = rsaUpgrade.map((task) => (task.algorithm ? {...task, algorithm: 'ecc-p256' as const} : task));
    const {estimatedRemainingMs} = new ProgressEstimator(ecc, REAL_CARD_TIMINGS, 0).estimate(0);
    expect(estimatedRemainingMs).toBeGreaterThan(2000);
    expect(estimatedRemainingMs).toBeLessThan(6000);
  });

  it('shows RSA key generation as indeterminate and nothing else', () => {
    const estimator = new ProgressEstimator(rsaUpgrade, REAL_CARD_TIMINGS, 0);
    estimator.begin({kind: 'generate-key', algorithm: 'rsa-2048'}, 100);
    expect(estimator.estimate(200).isIndeterminate).toBe(true);
    estimator.begin({kind: 'sign-request', algorithm: 'rsa-2048'}, 300);
    expect(estimator.estimate(300).isIndeterminate).toBe(false);
  });

  it('keeps the fraction where an RSA key generation began until it ends, with the band it is expected to cover', () => {
    const estimator = new ProgressEstimator(rsaUpgrade, REAL_CARD_TIMINGS, 0);
    estimator.begin({kind: 'authenticate-card'}, 0);
    estimator.begin({kind: 'generate-key', algorithm: 'rsa-2048'}, 700);
    const first = estimator.estimate(700);
    expect(first.isIndeterminate).toBe(true);
    expect(first.band!.from).toBe(first.fraction);
    expect(first.band!.to).toBeGreaterThan(first.band!.from + 0.1);
    for (const now of [1000, 3000, 5900, 12_000]) {
      const later = estimator.estimate(now);
      expect(later.fraction).toBe(first.fraction);
      expect(later.band).toEqual(first.band);
    }
    estimator.begin({kind: 'sign-request', algorithm: 'rsa-2048'}, 5900);
    const after = estimator.estimate(5900);
    expect(after.band).toBeUndefined();
    expect(after.fraction).toBeGreaterThan(first.fraction);
  });

  it('learns a slow card from its first key generation', () => {
    const estimator = new ProgressEstimator(rsaUpgrade, REAL_CARD_TIMINGS, 0);
    estimator.begin({kind: 'generate-key', algorithm: 'rsa-2048'}, 0);
    estimator.end(15_000);
    const slow = estimator.estimate(15_000).estimatedRemainingMs;
    const fresh = new ProgressEstimator(rsaUpgrade, REAL_CARD_TIMINGS, 0);
    fresh.begin({kind: 'generate-key', algorithm: 'rsa-2048'}, 0);
    fresh.end(5200);
    const typical = fresh.estimate(5200).estimatedRemainingMs;
    // Three RSA keys left, each now expected at (5.2 + 15) / 2 s instead of 5.2 s.
    expect(slow - typical).toBeGreaterThan(3 * 4000);
  });

  it('scales the other work by how fast it went', () => {
    const estimator = new ProgressEstimator(rsaUpgrade, REAL_CARD_TIMINGS, 0);
    const task = {kind: 'authenticate-card'} as const;
    estimator.begin(task, 0);
    estimator.end(expectedMs(task, REAL_CARD_TIMINGS) * 10);
    const later = estimator.estimate(expectedMs(task, REAL_CARD_TIMINGS) * 10).estimatedRemainingMs;
    const baseline = new ProgressEstimator(rsaUpgrade.slice(1), REAL_CARD_TIMINGS, 0).estimate(
      0,
    ).estimatedRemainingMs;
    expect(later).toBeGreaterThan(baseline);
  });

  it('keeps some time left for a key generation that runs past the mean', () => {
    const estimator = new ProgressEstimator([], REAL_CARD_TIMINGS, 0);
    estimator.begin({kind: 'generate-key', algorithm: 'rsa-2048'}, 0);
    expect(estimator.estimate(60_000).estimatedRemainingMs).toBeGreaterThan(1000);
  });

  it('ends at one with nothing left', () => {
    const estimator = new ProgressEstimator(rsaUpgrade, REAL_CARD_TIMINGS, 0);
    expect(estimator.finish(30_000)).toEqual({
      fraction: 1,
      elapsedMs: 30_000,
      estimatedRemainingMs: 0,
      isIndeterminate: false,
    });
  });

  it('never moves the fraction backwards and keeps it between 0 and 1', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({min: 0, max: rsaUpgrade.length - 1}), fc.integer({min: 0, max: 20_000})),
          {
            maxLength: 30,
          },
        ),
        (steps) => {
          const estimator = new ProgressEstimator(rsaUpgrade, REAL_CARD_TIMINGS, 0);
          let now = 0;
          let last = 0;
          for (const [index, duration] of steps) {
            estimator.begin(rsaUpgrade[index]!, now);
            now += duration;
            const {fraction, estimatedRemainingMs} = estimator.estimate(now);
            expect(fraction).toBeGreaterThanOrEqual(last);
            expect(fraction).toBeLessThanOrEqual(1);
            expect(estimatedRemainingMs).toBeGreaterThanOrEqual(0);
            last = fraction;
          }
        },
      ),
    );
  });
});
