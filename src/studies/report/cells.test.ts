import { describe, expect, it } from 'vitest';
import { buildCells, cellKey, disagreeingItems, TOP_ANSWERS, type CellAnswerCount } from './cells';

const row = (item_id: number, target_index: number, answer: string | null, n: number, passes: number, scored = n): CellAnswerCount => ({ item_id, target_index, answer, n, passes, scored });

describe('cells of a study', () => {
  it('adds up the rows of a cell into its distribution, modal answer, entropy in bits, pass rate and majority vote', () => {
    const cells = buildCells([row(1, 0, 'Paris', 3, 3), row(1, 0, 'Lyon', 1, 0), row(1, 0, null, 1, 0), row(1, 0, 'Paris', 1, 1)]);
    const cell = cells.get(cellKey(1, 0))!;
    expect(cell).toMatchObject({ n: 6, scored: 6, passes: 4, distinct: 3, other: 0, modal: { answers: ['Paris'], count: 4, share: 4 / 6 }, majority_credit: 1, majority_correct: true });
    expect(cell.pass_rate).toBeCloseTo(4 / 6, 12);
    expect(cell.distribution).toEqual([
      { answer: 'Paris', count: 4, passes: 4, scored: 4 },
      { answer: 'Lyon', count: 1, passes: 0, scored: 1 },
      { answer: null, count: 1, passes: 0, scored: 1 },
    ]);
    // [4, 1, 1]: −(⅔ log₂ ⅔ + 2 · ⅙ log₂ ⅙) = 1.2516 bits
    expect(cell.entropy_bits).toBeCloseTo(-(4 / 6 * Math.log2(4 / 6) + 2 * (1 / 6) * Math.log2(1 / 6)), 12);
  });

  it('splits a tie evenly — whichever answer sorts first — and counts "nothing extracted" as an answer that fails', () => {
    // yes/no: sorting would give the tie to "no"; the vote earns half the item.
    const yesNo = buildCells([row(1, 0, 'yes', 2, 2), row(1, 0, 'no', 2, 0)]).get(cellKey(1, 0))!;
    expect(yesNo).toMatchObject({ majority_credit: 0.5, majority_correct: null, modal: { answers: ['no', 'yes'], count: 2, share: 0.5 }, entropy_bits: 1 });
    expect(buildCells([row(1, 0, null, 2, 0), row(1, 0, 'B', 2, 2)]).get(cellKey(1, 0))!.majority_credit).toBe(0.5);
    expect(buildCells([row(1, 0, null, 3, 0), row(1, 0, 'B', 2, 2)]).get(cellKey(1, 0))).toMatchObject({ majority_credit: 0, majority_correct: false });
  });

  it('votes over scored samples only, and keeps the long tail as "other"', () => {
    expect(buildCells([row(1, 0, 'x', 3, 0, 0)]).get(cellKey(1, 0))).toMatchObject({ pass_rate: null, majority_credit: null, majority_correct: null, modal: { answers: ['x'], share: 1 } });
    // "x" is the most frequent answer but was never scored: the vote is over "y", which passed.
    expect(buildCells([row(1, 0, 'x', 3, 0, 0), row(1, 0, 'y', 1, 1)]).get(cellKey(1, 0))!.majority_credit).toBe(1);
    const many = buildCells(Array.from({ length: TOP_ANSWERS + 3 }, (_, i) => row(1, 0, `a${i}`, 1, 0))).get(cellKey(1, 0))!;
    expect(many.distribution).toHaveLength(TOP_ANSWERS);
    expect(many).toMatchObject({ distinct: TOP_ANSWERS + 3, other: 3 });
    expect(many.entropy_bits).toBeCloseTo(Math.log2(TOP_ANSWERS + 3), 12);
  });
});

describe('disagreements', () => {
  it('finds items whose majority votes earn different credit, or differ in answer where nothing could be scored', () => {
    const cells = buildCells([
      row(1, 0, 'a', 2, 2), row(1, 1, 'b', 2, 2), // both pass: agree
      row(2, 0, 'a', 2, 2), row(2, 1, 'b', 2, 0), // one passes: disagree
      row(3, 0, 'x', 1, 0, 0), row(3, 1, 'y', 1, 0, 0), // unscored, different answers: disagree
      row(4, 0, 'x', 1, 0, 0), // target 1 has not answered: left out
      row(5, 0, 'yes', 1, 1), row(5, 0, 'no', 1, 0), row(5, 1, 'yes', 2, 2), // a split vote against a passing one
    ]);
    expect([...disagreeingItems(cells, [1, 2, 3, 4, 5], 2)]).toEqual([2, 3, 5]);
    expect(disagreeingItems(cells, [1, 2, 3, 4, 5], 1).size).toBe(0);
  });
});
