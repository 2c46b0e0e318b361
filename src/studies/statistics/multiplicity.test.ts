import { describe, expect, it } from 'vitest';
import { benjaminiHochbergAdjust, holmAdjust } from './multiplicity';

// Benjamini & Hochberg (1995), §4: the 15 p-values of their worked example, and R 4.2's
// p.adjust(p, "BH") and p.adjust(p, "holm") of them (statistics.md; the full vectors re-computed
// with scipy 1.17 false_discovery_control and the step-down formula).
const p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1.0];
const bh = [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.063857, 0.063857, 0.0645, 0.0765, 0.486, 0.581182, 0.714875, 0.753231, 0.813214, 1];
const holm = [0.0015, 0.0056, 0.0247, 0.114, 0.2211, 0.278, 0.278, 0.278, 0.3213, 1, 1, 1, 1, 1, 1];

describe('multiplicity adjustments', () => {
  it('matches p.adjust BH on the example of Benjamini & Hochberg (1995): 4 rejections at 0.05', () => {
    const adjusted = benjaminiHochbergAdjust(p);
    adjusted.forEach((q, i) => { expect(q).toBeCloseTo(bh[i]!, 6); });
    expect(adjusted.filter((q) => q <= 0.05)).toHaveLength(4);
  });

  it('matches p.adjust holm on the same example: 3 rejections at 0.05', () => {
    const adjusted = holmAdjust(p);
    adjusted.forEach((q, i) => { expect(q).toBeCloseTo(holm[i]!, 10); });
    expect(adjusted.filter((q) => q <= 0.05)).toHaveLength(3);
  });

  it('returns the adjusted values in the input order', () => {
    const shuffled = [7, 0, 14, 3, 9, 1, 12, 5, 2, 11, 4, 13, 6, 10, 8];
    const input = shuffled.map((i) => p[i]!);
    benjaminiHochbergAdjust(input).forEach((q, j) => { expect(q).toBeCloseTo(bh[shuffled[j]!]!, 6); });
    holmAdjust(input).forEach((q, j) => { expect(q).toBeCloseTo(holm[shuffled[j]!]!, 10); });
  });

  it('leaves a single test alone, handles ties and an empty family, and refuses non-probabilities', () => {
    expect(benjaminiHochbergAdjust([0.03])).toEqual([0.03]);
    expect(holmAdjust([0.03])).toEqual([0.03]);
    expect(holmAdjust([0.01, 0.01])).toEqual([0.02, 0.02]);
    expect(benjaminiHochbergAdjust([0.01, 0.01])).toEqual([0.01, 0.01]);
    expect(holmAdjust([])).toEqual([]);
    expect(() => benjaminiHochbergAdjust([0.2, 1.5])).toThrow(/pValues\[1\]/);
    expect(() => holmAdjust([Number.NaN])).toThrow(/pValues\[0\]/);
  });
});
