import { describe, expect, it } from 'vitest';
import { accuracyChange, addAnswerRows, addErrors, cellDrift, emptyTally, qValues, type CellTally } from './compare';

const tally = (answers: Record<string, number>, extra: Partial<CellTally> = {}): CellTally => ({ ...emptyTally(), answers: new Map(Object.entries(answers)), ...extra });

describe('cellDrift', () => {
  it('finds nothing in answers that reproduce', () => {
    const drift = cellDrift(tally({ '42': 5 }), tally({ '42': 5 }));
    expect(drift).toMatchObject({ p_value: 1, tvd: 0 });
  });

  it("counts format failures and errors as categories of their own, never as someone's wrong answer", () => {
    // The same 4 right answers; the rest turn from wrong answers into format failures, then into errors.
    const before = tally({ '42': 4, '41': 4 });
    const formatting = cellDrift(before, tally({ '42': 4 }, { formatFailures: 4 }));
    const errors = cellDrift(before, tally({ '42': 4 }, { errors: 4 }));
    expect(formatting.tvd).toBeCloseTo(0.5, 12);
    expect(formatting.current).toMatchObject({ n: 8, answers: [{ answer: '42', count: 4 }], format_failures: 4, errors: 0 });
    expect(errors.current).toMatchObject({ n: 8, format_failures: 0, errors: 4 });
    // Three categories (42, 41, the failure) over two runs: the Freeman–Halton exact test.
    expect(formatting.method).toBe('freeman-halton-exact');
    expect(formatting.p_value).toBeLessThan(0.05);
    expect(errors.p_value).toBe(formatting.p_value);
    // Were failures lumped in with "41", nothing would have moved.
    expect(cellDrift(before, tally({ '42': 4, '41': 4 })).p_value).toBe(1);
  });

  it("is Fisher's exact test on a two-answer table", () => {
    const drift = cellDrift(tally({ a: 6 }), tally({ a: 1, b: 5 }));
    expect(drift.method).toBe('fisher-exact');
    // Tables with the margins (7 a, 5 b; 6 and 6 samples) as or less likely than this one: 6 a first (6/792) or 1 (6/792).
    expect(drift.p_value).toBeCloseTo(12 / 792, 12);
    expect(drift.tvd).toBeCloseTo(5 / 6, 12);
  });

  it('has no p-value when a run has no sample of the cell', () => {
    expect(cellDrift(emptyTally(), tally({ a: 3 }))).toMatchObject({ method: null, p_value: null, tvd: null });
  });
});

describe('tallies from the report rows', () => {
  it('adds answer rows (null: nothing extracted) and failed tasks by cell', () => {
    const tallies = new Map<number, CellTally>();
    const key = (item: number, target: number) => item * 10 + target;
    addAnswerRows(tallies, [
      { item_id: 1, target_index: 0, answer: 'x', n: 3, passes: 3, scored: 3 },
      { item_id: 1, target_index: 0, answer: null, n: 2, passes: 0, scored: 2 },
      { item_id: 1, target_index: 0, answer: 'x', n: 1, passes: 1, scored: 1 },
    ], key);
    addErrors(tallies, key(1, 0), 2);
    addErrors(tallies, key(2, 0), 0);
    const cell = tallies.get(10)!;
    expect([...cell.answers]).toEqual([['x', 4]]);
    expect(cell).toMatchObject({ formatFailures: 2, errors: 2, passes: 4, scored: 6 });
    expect(tallies.has(20)).toBe(false);
  });
});

describe('qValues', () => {
  it('adjusts the tested cells only, leaving the untested null', () => {
    expect(qValues([0.01, null, 0.04, 0.03])).toEqual([0.03, null, 0.04, 0.04]);
  });
});

describe('accuracyChange', () => {
  it('is the paired t over items of current − baseline', () => {
    const change = accuracyChange([[1, 0], [1, 0], [1, 1], [0.5, 0.5], [0, 0]]);
    expect(change).toMatchObject({ items: 5, method: 'paired-t', baseline: 0.7, current: 0.3 });
    expect(change.difference).toBeCloseTo(-0.4, 12);
    expect(change.high!).toBeGreaterThan(change.difference!);
  });

  it('gives the interval of answers that reproduce as the point itself, around 0', () => {
    expect(accuracyChange([[1, 1], [0, 0], [0.5, 0.5]])).toMatchObject({ difference: 0, low: 0, high: 0, p_value: 1, method: 'sign-test' });
  });
});
