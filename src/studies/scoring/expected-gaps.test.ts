import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors';
import { expectedGapMessage, expectedGaps, refuseScorersWithoutExpected } from './expected-gaps';

const scorers = [
  { name: 'format', config: { type: 'valid_json' } },
  { name: 'near', config: { type: 'numeric' } },
  { name: 'judge', config: { type: 'llm_judge' } },
  { name: 'same', config: { type: 'normalized_exact' } },
];

describe('scorers that need expected answers', () => {
  it('names the scorers that compare with expected answers and how many items lack one', () => {
    expect(expectedGaps(scorers, { items: 10, without: 0 })).toEqual([]);
    const gaps = expectedGaps(scorers, { items: 10, without: 3 });
    expect(gaps).toEqual([
      { index: 1, name: 'near', type: 'numeric', items: 10, without: 3 },
      { index: 3, name: 'same', type: 'normalized_exact', items: 10, without: 3 },
    ]);
    expect(expectedGapMessage(gaps[0]!)).toBe('"near" (numeric) compares answers with expected answers, and 3 of the study\'s 10 items have none (their answers stay unscored)');
    // Some items lacking one is said, not refused.
    expect(() => refuseScorersWithoutExpected(gaps, 'scorers')).not.toThrow();
  });

  it('refuses a run in which such a scorer could score nothing, naming each', () => {
    const gaps = expectedGaps(scorers, { items: 4, without: 4 });
    try {
      refuseScorersWithoutExpected(gaps, 'scorers');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(400);
      expect((error as AppError).message).toMatch(/^scorers\.1: "near" \(numeric\) compares answers with expected answers, and none of the study's 4 items has one; "same"/);
    }
  });
});
