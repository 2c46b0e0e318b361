import { describe, expect, it } from 'vitest';
import { runOrder, seededPermutation } from './run-order';

const positions = (order: (p: number) => number, n: number) => Array.from({ length: n }, (_, p) => order(p));
const itemOf = (ordinal: number, shape: { targets: number; samples: number }) => Math.floor(ordinal / (shape.targets * shape.samples));

describe('seededPermutation', () => {
  it('is a permutation of [0, n) for every size, including the awkward ones', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 17, 64, 65, 400, 1_000, 4_097]) {
      for (const seed of [0, 1, 0xffffffff, 123_456_789]) {
        const values = positions(seededPermutation(seed, n), n);
        expect(new Set(values).size).toBe(n);
        expect(values.every((v) => Number.isInteger(v) && v >= 0 && v < n)).toBe(true);
      }
    }
  });

  it('gives the same order for the same seed, and another for another seed', () => {
    expect(positions(seededPermutation(42, 1_000), 1_000)).toEqual(positions(seededPermutation(42, 1_000), 1_000));
    expect(positions(seededPermutation(42, 1_000), 1_000)).not.toEqual(positions(seededPermutation(43, 1_000), 1_000));
    // Pinned: a seed given to a study gives the same order from one version of the app to the next.
    expect(positions(seededPermutation(7, 10), 10)).toEqual([2, 9, 0, 6, 3, 5, 8, 7, 4, 1]);
  });

  it('refuses positions outside [0, n)', () => {
    const shuffle = seededPermutation(1, 10);
    expect(() => shuffle(10)).toThrow(RangeError);
    expect(() => shuffle(-1)).toThrow(RangeError);
  });

  it('puts every value first about equally often over many seeds', () => {
    const n = 50;
    const first = new Array<number>(n).fill(0);
    for (let seed = 0; seed < 50_000; seed++) first[seededPermutation(seed, n)(0)]!++;
    // 1,000 expected each; a uniform draw stays within ±15% (about 4.7 standard deviations).
    expect(Math.min(...first)).toBeGreaterThan(850);
    expect(Math.max(...first)).toBeLessThan(1_150);
  });
});

describe('runOrder', () => {
  const shape = { items: 40, targets: 2, samples: 5, collapseSamples: false };

  it('runs every task once, each round one (item, sample) on every target', () => {
    const order = positions(runOrder(99, shape), 400);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    for (let round = 0; round < 200; round++) {
      const [a, b] = [order[2 * round]!, order[2 * round + 1]!];
      expect([a % 2, b % 2]).toEqual([0, 1]);
      expect(Math.floor(a / 2)).toBe(Math.floor(b / 2));
    }
  });

  it('covers many items in its first 40 tasks, for every one of 2,000 seeds (item order covers 4)', () => {
    let fewest = Infinity;
    for (let seed = 0; seed < 2_000; seed++) {
      const items = new Set(positions(runOrder(seed * 2_654_435_761, shape), 40).map((o) => itemOf(o, shape)));
      fewest = Math.min(fewest, items.size);
    }
    // 20 (item, sample) pairs drawn from 200 cover 16.5 items on average; fewer than 8 has probability below 1e-10.
    expect(fewest).toBeGreaterThanOrEqual(8);
  });

  it('keeps an item together when its samples may share a call (collapse_samples), items still shuffled', () => {
    const collapsed = { ...shape, collapseSamples: true };
    const order = positions(runOrder(5, collapsed), 400);
    for (let block = 0; block < 40; block++) {
      const tasks = order.slice(block * 10, block * 10 + 10);
      expect(new Set(tasks.map((o) => itemOf(o, collapsed))).size).toBe(1);
      expect(tasks).toEqual(Array.from({ length: 10 }, (_, i) => tasks[0]! + i));
    }
    const items = Array.from({ length: 40 }, (_, block) => itemOf(order[block * 10]!, collapsed));
    expect(items).not.toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});
