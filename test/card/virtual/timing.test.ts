import {describe, expect, it} from 'vitest';
import {Algorithm} from '../../../source/card/piv/constants.js';
import {
  commandDurationMs,
  drawDurationMs,
  INSTANT_TIMING,
  JCOP4_TIMING,
  seededRandom,
} from '../../../source/card/virtual/timing.js';

describe('the timing model', () => {
  it('takes no time at all when instant', () => {
    const operation = {type: 'key-generation', algorithm: Algorithm.Rsa2048} as const;
    expect(
      commandDurationMs(INSTANT_TIMING, {commandBytes: 300, responseBytes: 300, operation}, Math.random),
    ).toBe(0);
  });

  it('prices a command by its fixed time, its bytes and its operation', () => {
    const random = seededRandom(1);
    expect(commandDurationMs(JCOP4_TIMING, {commandBytes: 5, responseBytes: 5}, random)).toBeCloseTo(41);
    const signature = {type: 'private-key', algorithm: Algorithm.Rsa2048} as const;
    expect(
      commandDurationMs(JCOP4_TIMING, {commandBytes: 270, responseBytes: 262, operation: signature}, random),
    ).toBeCloseTo(40 + 53.2 + 60.7);
    const ecGeneration = {type: 'key-generation', algorithm: Algorithm.EccP256} as const;
    expect(
      commandDurationMs(JCOP4_TIMING, {commandBytes: 10, responseBytes: 70, operation: ecGeneration}, random),
    ).toBeCloseTo(40 + 8 + 26.8);
  });

  it('draws RSA-2048 generation times with the measured mean, within the measured range', () => {
    const distribution = JCOP4_TIMING.keyGeneration[Algorithm.Rsa2048]!;
    const random = seededRandom(20_260_101);
    const draws = Array.from({length: 5000}, () => drawDurationMs(distribution, random));
    const mean = draws.reduce((sum, value) => sum + value, 0) / draws.length;
    expect(Math.abs(mean - 5200) / 5200).toBeLessThan(0.05);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(600);
    expect(Math.max(...draws)).toBeLessThanOrEqual(17_300);
    // Spread like the measurements: some draws under 2 s, some over 10 s.
    expect(draws.some((value) => value < 2000) && draws.some((value) => value > 10_000)).toBe(true);
  });

  it('repeats its draws for the same seed', () => {
    const distribution = JCOP4_TIMING.keyGeneration[Algorithm.Rsa3072]!;
    const first = seededRandom(7);
    const second = seededRandom(7);
    const a = Array.from({length: 10}, () => drawDurationMs(distribution, first));
    const b = Array.from({length: 10}, () => drawDurationMs(distribution, second));
    expect(a).toEqual(b);
  });

  it('returns a fixed duration as it is', () => {
    expect(drawDurationMs({meanMs: 26.8, minMs: 26.8, maxMs: 26.8}, Math.random)).toBe(26.8);
  });

  it('draws uniform numbers in [0, 1)', () => {
    const random = seededRandom(3);
    const values = Array.from({length: 10_000}, random);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(Math.abs(values.reduce((sum, value) => sum + value, 0) / values.length - 0.5)).toBeLessThan(0.02);
  });
});
