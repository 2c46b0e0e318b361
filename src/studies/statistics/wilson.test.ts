import { describe, expect, it } from 'vitest';
import { wilsonInterval } from './wilson';

describe('Wilson score interval', () => {
  // Newcombe RG (1998) Two-sided confidence intervals for the single proportion: comparison of
  // seven methods. Statistics in Medicine 17:857–872, Table I, method 3 (score, no continuity
  // correction), published to 4 decimals.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0.0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('matches Newcombe (1998) Table I for %i/%i: %f–%f', (successes, n, low, high) => {
    const interval = wilsonInterval(successes, n);
    expect(interval.estimate).toBeCloseTo(successes / n, 12);
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });

  it('reads a perfect 10 of 10 as [0.7225, 1], not [1, 1] (statistics.md), and mirrors it at 0 of 10', () => {
    expect(wilsonInterval(10, 10)).toEqual({ estimate: 1, low: expect.closeTo(0.7225, 4), high: 1 });
    expect(wilsonInterval(0, 10)).toEqual({ estimate: 0, low: 0, high: expect.closeTo(0.2775, 4) });
  });

  it('takes fractional successes (Σ per-item accuracies) and lies between the neighbouring integers', () => {
    const between = wilsonInterval(7.5, 10);
    expect(between.estimate).toBe(0.75);
    expect(between.low!).toBeGreaterThan(wilsonInterval(7, 10).low!);
    expect(between.low!).toBeLessThan(wilsonInterval(8, 10).low!);
  });

  it('widens at 99% (python3, the formula at z = 2.5758293035489: 0.240137, 0.385283)', () => {
    const at99 = wilsonInterval(81, 263, 0.99);
    expect(at99.low).toBeCloseTo(0.240137, 6);
    expect(at99.high).toBeCloseTo(0.385283, 6);
  });

  it('has nothing to estimate from no units, and refuses impossible counts', () => {
    expect(wilsonInterval(0, 0)).toEqual({ estimate: null, low: null, high: null });
    expect(() => wilsonInterval(5, 3)).toThrow(/successes must be between 0 and n/);
    expect(() => wilsonInterval(-1, 3)).toThrow(/successes/);
    expect(() => wilsonInterval(1, 2.5)).toThrow(/n must be/);
    expect(() => wilsonInterval(1, 3, 1)).toThrow(/confidence/);
  });
});
