import { describe, expect, it } from 'vitest';
import { answerEntropyBits, normalizedEntropy, selfConsistency } from './consistency';

describe('self-consistency', () => {
  it('is the share of samples giving the modal value', () => {
    expect(selfConsistency([3, 2, 1])).toBe(0.5);
    expect(selfConsistency([10])).toBe(1);
    expect(selfConsistency([1, 1, 1, 1])).toBe(0.25);
    expect(selfConsistency([])).toBeNull();
    expect(selfConsistency([0, 0])).toBeNull();
  });
});

describe('answer entropy', () => {
  it('is measured in bits: 0 when all agree, 1 for an even split, log₂ k when k samples all differ', () => {
    expect(answerEntropyBits([5])).toBe(0);
    expect(answerEntropyBits([5, 5])).toBeCloseTo(1, 14);
    expect(answerEntropyBits([1, 1, 1, 1, 1, 1, 1, 1])).toBeCloseTo(3, 14);
    // −(0.4·log₂0.4 + 2·0.3·log₂0.3) = 1.5709505944546684
    expect(answerEntropyBits([4, 3, 3])).toBeCloseTo(1.5709505944546684, 14);
  });

  it('orders [4,3,3] above [5,5], which normalising by ln(distinct answers) got backwards', () => {
    // Normalised by ln(distinct observed): [5,5] → 1.000, [4,3,3] → 0.991 — not monotone.
    // By ln(min(k, possible)) with k = 10 samples: ln2/ln10 = 0.301030, 1.088900/ln10 = 0.472903.
    expect(answerEntropyBits([4, 3, 3])!).toBeGreaterThan(answerEntropyBits([5, 5])!);
    expect(normalizedEntropy([5, 5])).toBeCloseTo(0.30102999566398114, 14);
    expect(normalizedEntropy([4, 3, 3])).toBeCloseTo(0.4729032506370176, 14);
    expect(normalizedEntropy([4, 3, 3])!).toBeGreaterThan(normalizedEntropy([5, 5])!);
  });

  it('normalises by the number of possible answers when that is smaller than k', () => {
    // yes/no over 10 samples: an even split is the most uncertain possible.
    expect(normalizedEntropy([5, 5], 2)).toBeCloseTo(1, 14);
    // multiple choice A–D: [4,3,3] over ln 4
    expect(normalizedEntropy([4, 3, 3], 4)).toBeCloseTo(1.5709505944546684 / 2, 14);
    expect(normalizedEntropy([1])).toBe(0);
    expect(normalizedEntropy([6], 1)).toBe(0);
  });

  it('is null without samples and refuses counts that are not counts', () => {
    expect(answerEntropyBits([])).toBeNull();
    expect(normalizedEntropy([0])).toBeNull();
    expect(() => answerEntropyBits([2, -1])).toThrow(/counts\[1\]/);
    expect(() => selfConsistency([1.5])).toThrow(/counts\[0\]/);
    expect(() => normalizedEntropy([2, 2], 0)).toThrow(/possibleAnswers/);
  });
});
