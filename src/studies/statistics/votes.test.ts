import { describe, expect, it } from 'vitest';
import { majorityVote, majorityVoteAccuracy, majorityVoteOfTallies, type VotedSample } from './votes';

const samples = (...pairs: Array<[string, boolean]>): VotedSample[] => pairs.map(([value, passed]) => ({ value, passed }));

describe('majority vote with ties split', () => {
  it('credits the plurality value, even below half of the samples', () => {
    const vote = majorityVote(samples(['42', true], ['41', false], ['42', true], ['40', false], ['41', false], ['42', true]));
    expect(vote).toEqual({ credit: 1, modal_values: ['42'], modal_count: 3, samples: 6 });
  });

  it('splits a tie evenly between the tied values, whatever order the samples came in', () => {
    const yesNo = samples(['yes', true], ['no', false], ['yes', true], ['no', false]);
    expect(majorityVote(yesNo)).toMatchObject({ credit: 0.5, modal_values: ['no', 'yes'], modal_count: 2 });
    expect(majorityVote([...yesNo].reverse())!.credit).toBe(0.5);
    // Three-way tie with one passing value: 1/3 — not 0 because "A" sorts first and is wrong.
    expect(majorityVote(samples(['A', false], ['B', true], ['C', false]))!.credit).toBeCloseTo(1 / 3, 14);
  });

  it("counts a value's samples by the scorer's verdict when it is not the same every time", () => {
    expect(majorityVote(samples(['7', true], ['7', false], ['7', true], ['8', false]))!.credit).toBeCloseTo(2 / 3, 14);
  });

  it('has no vote without samples', () => {
    expect(majorityVote([])).toBeNull();
    expect(majorityVoteOfTallies([{ value: 'x', count: 0, passed: 0 }])).toBeNull();
  });

  it('votes the same from samples counted per value, and refuses impossible tallies', () => {
    const tallies = [{ value: 'no', count: 2, passed: 0 }, { value: 'yes', count: 2, passed: 2 }, { value: 'maybe', count: 1, passed: 0 }];
    expect(majorityVoteOfTallies(tallies)).toEqual({ credit: 0.5, modal_values: ['no', 'yes'], modal_count: 2, samples: 5 });
    expect(majorityVoteOfTallies(tallies)).toEqual(majorityVote(samples(['yes', true], ['no', false], ['maybe', false], ['no', false], ['yes', true])));
    expect(() => majorityVoteOfTallies([{ value: 'x', count: 1, passed: 2 }])).toThrow(/tallies\[0\]\.passed \(2\) cannot exceed/);
  });
});

describe('majority-vote accuracy over items', () => {
  it('averages the credits and gives the Wilson interval over items', () => {
    const result = majorityVoteAccuracy([1, 1, 0.5, 0, 1, 1, 1, 0, 1, 1]);
    expect(result).toMatchObject({ method: 'wilson-items', items: 10, credit: 7.5, estimate: 0.75 });
    // Wilson over 10 items with 7.5 successes (python3, the Wilson formula): 0.442181, 0.919052
    expect(result.low).toBeCloseTo(0.4421814242785499, 10);
    expect(result.high).toBeCloseTo(0.9190521757900055, 10);
  });

  it('is null without items and refuses credits outside [0, 1]', () => {
    expect(majorityVoteAccuracy([])).toMatchObject({ estimate: null, low: null, high: null, items: 0 });
    expect(() => majorityVoteAccuracy([0.5, 2])).toThrow(/credits\[1\]/);
  });
});
