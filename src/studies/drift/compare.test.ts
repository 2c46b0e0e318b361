import { describe, expect, it } from 'vitest';
import { monteCarloRowsByTwo } from '../statistics';
import { accuracyChange, addAnswerRows, addErrors, categoryOf, cellDrift, emptyTally, qValues, sideDistribution, type CellTally } from './compare';

const tally = (answers: Record<string, number>, extra: Partial<CellTally> = {}): CellTally => ({ ...emptyTally(), answers: new Map(Object.entries(answers)), ...extra });

describe('cellDrift', () => {
  it('finds nothing in answers that reproduce', async () => {
    const drift = await cellDrift(tally({ '42': 5 }), tally({ '42': 5 }));
    expect(drift).toMatchObject({ p_value: 1, tvd: 0 });
  });

  it("counts format failures and errors as categories of their own, never as someone's wrong answer", async () => {
    // The same 4 right answers; the rest turn from wrong answers into format failures, then into errors.
    const before = tally({ '42': 4, '41': 4 });
    const formatFailed = tally({ '42': 4 }, { formatFailures: 4 });
    const errored = tally({ '42': 4 }, { errors: 4 });
    const formatting = await cellDrift(before, formatFailed);
    const errors = await cellDrift(before, errored);
    expect(formatting.tvd).toBeCloseTo(0.5, 12);
    expect(sideDistribution(formatFailed)).toMatchObject({ n: 8, answers: [{ answer: '42', count: 4 }], format_failures: 4, errors: 0 });
    expect(sideDistribution(errored)).toMatchObject({ n: 8, format_failures: 0, errors: 4 });
    // Three categories (42, 41, the failure) over two runs: the Freeman–Halton exact test.
    expect(formatting.method).toBe('freeman-halton-exact');
    expect(formatting.p_value).toBeLessThan(0.05);
    expect(errors.p_value).toBe(formatting.p_value);
    // Were failures lumped in with "41", nothing would have moved.
    expect((await cellDrift(before, tally({ '42': 4, '41': 4 }))).p_value).toBe(1);
  });

  it("is Fisher's exact test on a two-answer table", async () => {
    const drift = await cellDrift(tally({ a: 6 }), tally({ a: 1, b: 5 }));
    expect(drift.method).toBe('fisher-exact');
    // Tables with the margins (7 a, 5 b; 6 and 6 samples) as or less likely than this one: 6 a first (6/792) or 1 (6/792).
    expect(drift.p_value).toBeCloseTo(12 / 792, 12);
    expect(drift.tvd).toBeCloseTo(5 / 6, 12);
  });

  it('draws a Monte Carlo test of many answers in seeded steps, yielding between them, to the estimate of 2,000 tables', async () => {
    // 300 answers, each given once or twice: too many tables for the exact test, counts too small for χ².
    const before = tally(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`a${i}`, 1 + (i % 2)])));
    const after = tally(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`a${i}`, 1 + ((i + 1) % 2)])));
    let steps = 0;
    const drift = await cellDrift(before, after, () => {
      steps += 1;
      return undefined;
    });
    expect(drift.method).toBe('monte-carlo-exact');
    // 20,000 draws per step over 300 categories: 66 tables a step, 2,000 in 31 steps (30 yields).
    expect(steps).toBe(30);
    expect(await cellDrift(before, after)).toEqual(drift);
    // The same estimator as one run of 2,000 tables, up to Monte Carlo error (SE ≤ 0.011 at 2,000 draws).
    const rows = Array.from({ length: 300 }, (_, i) => [1 + (i % 2), 1 + ((i + 1) % 2)] as [number, number]);
    expect(Math.abs(drift.p_value! - monteCarloRowsByTwo(rows, { seed: 7, simulations: 2000 }).p_value)).toBeLessThan(0.05);
    const times2000 = drift.p_value! * 2001;
    expect(Math.abs(times2000 - Math.round(times2000))).toBeLessThan(1e-6);
  });

  it('has no p-value when a run has no sample of the cell', async () => {
    expect(await cellDrift(emptyTally(), tally({ a: 3 }))).toMatchObject({ method: null, p_value: null, tvd: null });
  });
});

describe('sideDistribution', () => {
  it('lists the most frequent answers, cut for display, and counts the rest apart', () => {
    const answers = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`${i}${'x'.repeat(i === 0 ? 300 : 0)}`, 10 - i]));
    const side = sideDistribution(tally(answers, { errors: 1, passes: 3, scored: 12 }));
    expect(side.answers).toHaveLength(8);
    expect(side.answers[0]).toEqual({ answer: `0${'x'.repeat(199)}…`, count: 10 });
    expect(side).toMatchObject({ n: 56, other: 2 + 1, errors: 1, accuracy: 0.25 });
  });
});

describe('categoryOf', () => {
  it('keeps a short answer whole, and tells long answers apart by a hash of all of them', () => {
    expect(categoryOf('Paris')).toBe('Paris');
    const start = 'x'.repeat(250);
    const a = categoryOf(`${start} and then Paris`);
    expect(a.length).toBeLessThanOrEqual(200 + 1 + 8);
    expect(a.startsWith('x'.repeat(200))).toBe(true);
    expect(categoryOf(`${start} and then Paris`)).toBe(a);
    expect(categoryOf(`${start} and then Lima`)).not.toBe(a);
  });
});

describe('tallies from the report rows', () => {
  it('adds answer rows (null: nothing extracted) and failed tasks by cell', async () => {
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
  it('adjusts the tested cells only, leaving the untested null', async () => {
    expect(qValues([0.01, null, 0.04, 0.03])).toEqual([0.03, null, 0.04, 0.04]);
  });
});

describe('accuracyChange', () => {
  it('is the paired t over items of current − baseline', async () => {
    const change = accuracyChange([[1, 0], [1, 0], [1, 1], [0.5, 0.5], [0, 0]]);
    expect(change).toMatchObject({ items: 5, method: 'paired-t', baseline: 0.7, current: 0.3 });
    expect(change.difference).toBeCloseTo(-0.4, 12);
    expect(change.high!).toBeGreaterThan(change.difference!);
  });

  it('gives the interval of answers that reproduce as the point itself, around 0', async () => {
    expect(accuracyChange([[1, 1], [0, 0], [0.5, 0.5]])).toMatchObject({ difference: 0, low: 0, high: 0, p_value: 1, method: 'sign-test' });
  });
});
