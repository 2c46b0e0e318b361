import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../statistics/seeded-random';
import {
  answerDistribution,
  majorityVote,
  mcnemarExact,
  modalAnswer,
  normalizedEntropy,
  pairedBootstrapDifference,
  percentileNearestRank,
  selfConsistency,
  wilsonInterval,
} from './statistics';

describe('Wilson score interval', () => {
  // Newcombe RG (1998) Two-sided confidence intervals for the single proportion: comparison of
  // seven methods. Statistics in Medicine 17:857–872, Table I, method 3 (score, no continuity
  // correction), published to 4 decimals. Each figure re-computed in python3 before asserting.
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

  it('is exactly 0 at no successes and exactly 1 at all successes, and mirrors itself', () => {
    expect(wilsonInterval(0, 20).low).toBe(0);
    expect(wilsonInterval(20, 20).high).toBe(1);
    const mirrored = wilsonInterval(263 - 81, 263);
    expect(mirrored.low).toBeCloseTo(1 - 0.3662, 4);
    expect(mirrored.high).toBeCloseTo(1 - 0.2553, 4);
  });

  it('widens with a larger z (99%: z = 2.5758293035489)', () => {
    const at95 = wilsonInterval(81, 263);
    const at99 = wilsonInterval(81, 263, 2.5758293035489);
    expect(at99.low!).toBeLessThan(at95.low!);
    expect(at99.high!).toBeGreaterThan(at95.high!);
    // python3, the formula above at z = 2.5758293035489: 0.240137, 0.385283
    expect(at99.low).toBeCloseTo(0.240137, 6);
    expect(at99.high).toBeCloseTo(0.385283, 6);
  });

  it('has nothing to estimate from no trials', () => {
    expect(wilsonInterval(0, 0)).toEqual({ estimate: null, low: null, high: null });
  });

  it('refuses counts that cannot be counts', () => {
    expect(() => wilsonInterval(5, 3)).toThrow(/cannot exceed n/);
    expect(() => wilsonInterval(-1, 3)).toThrow(/successes/);
    expect(() => wilsonInterval(1.5, 3)).toThrow(/successes/);
    expect(() => wilsonInterval(1, 3, 0)).toThrow(/z must be/);
  });
});

describe('exact McNemar test', () => {
  // Fagerland MW, Lydersen S, Laake P (2013) The McNemar test for binary matched-pairs data:
  // mid-p and asymptotic are better than exact conditional. BMC Med Res Methodol 13:91, Table 1
  // (airway hyper-responsiveness before/after stem cell transplantation, Bentur et al.):
  // discordant pairs 1 and 7; exact conditional p = 0.070 as published. Exactly 2·9/256.
  it('gives p = 0.0703 for the AHR example of Fagerland et al. (2013)', () => {
    expect(mcnemarExact(1, 7)).toEqual({ b: 1, c: 7, p_value: 0.0703125 });
    expect(mcnemarExact(7, 1).p_value).toBe(0.0703125);
  });

  // Agresti (1990) presidential approval ratings, the example of R's ?mcnemar.test: 150 and 86
  // discordant pairs. Exact p cross-checked in python3 with scipy.stats.binomtest(86, 236) (the
  // two-sided rule of R's binom.test) and with exact rational arithmetic: 3.715936139571442e-05.
  it("gives the exact binomial p for Agresti's presidential approval ratings", () => {
    expect(mcnemarExact(150, 86).p_value).toBeCloseTo(3.715936139571442e-5, 17);
  });

  it('stays accurate at 100,000 discordant pairs', () => {
    // python3, exact integers: 2·Σ_{k≤49600} C(100000, k) / 2^100000 = 0.011514925490228948
    expect(mcnemarExact(49_600, 50_400).p_value / 0.011514925490228948).toBeCloseTo(1, 12);
    // python3, exact integers: 0.9520893498136247
    expect(mcnemarExact(50_010, 49_990).p_value / 0.9520893498136247).toBeCloseTo(1, 12);
  });

  it('gives p = 1 without discordant pairs or with as many each way, and 2/2^n when one side is empty', () => {
    expect(mcnemarExact(0, 0).p_value).toBe(1);
    expect(mcnemarExact(5, 5).p_value).toBe(1);
    expect(mcnemarExact(0, 10).p_value).toBeCloseTo(2 / 1024, 15);
  });

  it('refuses negative or fractional counts', () => {
    expect(() => mcnemarExact(-1, 3)).toThrow(/b must be/);
    expect(() => mcnemarExact(1, 2.5)).toThrow(/c must be/);
  });
});

describe('paired bootstrap difference', () => {
  const discordantStudy = (): Array<[number, number]> => [
    ...Array.from({ length: 600 }, (): [number, number] => [1, 1]),
    ...Array.from({ length: 120 }, (): [number, number] => [1, 0]),
    ...Array.from({ length: 80 }, (): [number, number] => [0, 1]),
    ...Array.from({ length: 200 }, (): [number, number] => [0, 0]),
  ];

  it('agrees with the normal-theory interval for a paired difference of proportions on a large sample', () => {
    // d = (120 − 80)/1000 = 0.04; se = √(((120 + 80)/1000 − d²)/1000) = 0.0140855;
    // 0.04 ± 1.96·se = [0.01239, 0.06761]. Bootstrap noise at 2000 iterations is about 0.001.
    const result = pairedBootstrapDifference(discordantStudy(), { seed: 7 });
    expect(result.difference).toBeCloseTo(0.04, 12);
    expect(result.low!).toBeGreaterThan(0.01239 - 0.004);
    expect(result.low!).toBeLessThan(0.01239 + 0.004);
    expect(result.high!).toBeGreaterThan(0.06761 - 0.004);
    expect(result.high!).toBeLessThan(0.06761 + 0.004);
  });

  it('is reproducible for a seed and moves with another seed', () => {
    const pairs = discordantStudy();
    const first = pairedBootstrapDifference(pairs, { seed: 42, iterations: 500 });
    expect(pairedBootstrapDifference(pairs, { seed: 42, iterations: 500 })).toEqual(first);
    expect(pairedBootstrapDifference(pairs, { seed: 43, iterations: 500 })).not.toEqual(first);
  });

  it('keeps the two scores of an item together: targets that always agree differ by exactly 0', () => {
    const pairs = Array.from({ length: 50 }, (_, i): [number, number] => [i % 3 === 0 ? 1 : 0, i % 3 === 0 ? 1 : 0]);
    expect(pairedBootstrapDifference(pairs, { seed: 1 })).toEqual({ difference: 0, low: 0, high: 0 });
  });

  it('narrows with a lower confidence', () => {
    const at95 = pairedBootstrapDifference(discordantStudy(), { seed: 3 });
    const at80 = pairedBootstrapDifference(discordantStudy(), { seed: 3, confidence: 0.8 });
    expect(at80.low!).toBeGreaterThan(at95.low!);
    expect(at80.high!).toBeLessThan(at95.high!);
  });

  it('has nothing to estimate without items, and refuses bad options', () => {
    expect(pairedBootstrapDifference([], { seed: 1 })).toEqual({ difference: null, low: null, high: null });
    expect(() => pairedBootstrapDifference([[1, 0]], { seed: 1, confidence: 1 })).toThrow(/confidence/);
    expect(() => pairedBootstrapDifference([[1, 0]], { seed: 1, iterations: 0 })).toThrow(/iterations/);
    expect(() => pairedBootstrapDifference([[1, Number.NaN]], { seed: 1 })).toThrow(/pair 0/);
  });
});

describe('mulberry32', () => {
  // First outputs of the reference implementation published in bryc's PRNGs.md, run in node.
  it('produces the reference sequence for seeds 0 and 42', () => {
    const fromZero = mulberry32(0);
    expect([fromZero(), fromZero(), fromZero()]).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]);
    const fromFortyTwo = mulberry32(42);
    expect([fromFortyTwo(), fromFortyTwo(), fromFortyTwo()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });

  it('takes the seed modulo 2^32', () => {
    expect(mulberry32(2 ** 32 + 42)()).toBe(mulberry32(42)());
    expect(mulberry32(-1)()).toBe(0.8964226141106337); // reference output for seed 4294967295
  });
});

describe('normalized entropy of an answer distribution', () => {
  it('is 0 when every sample agrees, including a single sample', () => {
    expect(normalizedEntropy([5])).toBe(0);
    expect(normalizedEntropy([1])).toBe(0);
    expect(normalizedEntropy([3, 0])).toBe(0);
  });

  it('is 1 when every distinct answer is equally frequent', () => {
    expect(normalizedEntropy([1, 1])).toBeCloseTo(1, 12);
    expect(normalizedEntropy([3, 3, 3])).toBeCloseTo(1, 12);
  });

  it('matches hand-computed values', () => {
    // [2,1,1]: H = −(½ln½ + 2·¼ln¼) = 1.5·ln 2; / ln 3 = 0.946394630357186
    expect(normalizedEntropy([2, 1, 1])).toBeCloseTo(0.946394630357186, 12);
    // [9,1]: −(0.9 ln 0.9 + 0.1 ln 0.1) / ln 2 = 0.46899559358928117
    expect(normalizedEntropy([9, 1])).toBeCloseTo(0.46899559358928117, 12);
  });

  it('is null without samples and refuses negative counts', () => {
    expect(normalizedEntropy([])).toBeNull();
    expect(normalizedEntropy([0, 0])).toBeNull();
    expect(() => normalizedEntropy([2, -1])).toThrow(/count 1/);
  });
});

describe('modal answer, majority vote and self-consistency', () => {
  it('finds the most frequent answer with its share, adding up repeated entries', () => {
    expect(modalAnswer([
      { answer: 'Paris', count: 2 },
      { answer: 'Lyon', count: 3 },
      { answer: 'Paris', count: 2 },
    ])).toEqual({ answer: 'Paris', count: 4, share: 4 / 7 });
  });

  it('breaks ties by code-unit order, whatever order the rows came in', () => {
    const tie = [{ answer: 'b', count: 2 }, { answer: 'B', count: 2 }, { answer: 'a', count: 2 }];
    expect(modalAnswer(tie)?.answer).toBe('B');
    expect(modalAnswer([...tie].reverse())?.answer).toBe('B');
  });

  it('votes by plurality over the samples of an item', () => {
    const samples = ['42', '41', '42', '40', '41', '42'];
    expect(majorityVote(samples)).toBe('42');
    expect(selfConsistency(samples)).toBeCloseTo(0.5, 12);
    expect(answerDistribution(samples)).toEqual([
      { answer: '42', count: 3 },
      { answer: '41', count: 2 },
      { answer: '40', count: 1 },
    ]);
  });

  it('has no vote without samples, and a unanimous vote from one sample', () => {
    expect(majorityVote([])).toBeNull();
    expect(selfConsistency([])).toBeNull();
    expect(modalAnswer([{ answer: 'x', count: 0 }])).toBeNull();
    expect(selfConsistency(['only'])).toBe(1);
  });
});

describe('nearest-rank percentile', () => {
  // Worked examples of the nearest-rank method in Wikipedia's "Percentile" article.
  it('matches the worked example {15, 20, 35, 40, 50}', () => {
    const values = [50, 15, 40, 20, 35];
    expect([5, 30, 40, 50, 100].map((p) => percentileNearestRank(values, p))).toEqual([15, 20, 20, 35, 50]);
  });

  it('matches the worked examples with 10 and 11 values', () => {
    const ten = [3, 6, 7, 8, 8, 10, 13, 15, 16, 20];
    expect([25, 50, 75, 100].map((p) => percentileNearestRank(ten, p))).toEqual([7, 8, 15, 20]);
    const eleven = [3, 6, 7, 8, 8, 9, 10, 13, 15, 16, 20];
    expect([25, 50, 75, 100].map((p) => percentileNearestRank(eleven, p))).toEqual([7, 9, 15, 20]);
  });

  it('gives latency p50/p95 as observed values, the minimum at p0, and null without values', () => {
    const latencies = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100 ms, unsorted
    expect(percentileNearestRank(latencies, 50)).toBe(50);
    expect(percentileNearestRank(latencies, 95)).toBe(95);
    expect(percentileNearestRank(latencies, 7)).toBe(7); // 7·100/100 exactly, not 0.07·100 = 7.000000000000001
    expect(percentileNearestRank(latencies, 0)).toBe(1);
    expect(percentileNearestRank([], 50)).toBeNull();
    expect(() => percentileNearestRank([1], 101)).toThrow(/percentile/);
  });
});
