import { describe, expect, it } from 'vitest';
import { mulberry32 } from './seeded-random';
import { itemAccuracy, sampleLevelWilson, type ItemTally } from './accuracy';
import { simulateItemTallies } from './simulate-study';

const tallies = (passes: number[], samples: number): ItemTally[] => passes.map((passed) => ({ passed, samples }));

describe('accuracy over items', () => {
  // 12 items × 4 samples. Per-item accuracies m = passes/4; with equal k, CR1 equals sd(m)/√n, so
  // the interval equals R's t.test(m) (scipy 1.17 ttest_1samp: mean 0.645833, se 0.112892,
  // CI [0.397359, 0.894307]); CR0 = √Σ(x − p·k)² / Σk = 0.108086.
  const twelve = tallies([4, 4, 3, 0, 2, 4, 1, 4, 3, 2, 4, 0], 4);

  it('with equal samples per item, gives the one-sample t interval of the per-item accuracies (CR1)', () => {
    const accuracy = itemAccuracy(twelve);
    expect(accuracy).toMatchObject({ method: 'clustered-t', correction: 'CR1', items: 12, clusters: 12, samples: 48, passed: 31 });
    expect(accuracy.estimate).toBeCloseTo(31 / 48, 12);
    expect(accuracy.se).toBeCloseTo(0.11289213364262295, 12);
    expect(accuracy.low).toBeCloseTo(0.39735942249483824, 10);
    expect(accuracy.high).toBeCloseTo(0.8943072441718285, 10);
    // (SE_CR1 / √(p(1−p)/Σk))²
    expect(accuracy.design_effect).toBeCloseTo(2.6744868035190614, 10);
  });

  it('scales CR0 by √(n/(n−1)) to get CR1', () => {
    const cr0 = itemAccuracy(twelve, { correction: 'CR0' });
    expect(cr0.se).toBeCloseTo(0.10808598900189847, 12);
    expect(itemAccuracy(twelve).se! / cr0.se!).toBeCloseTo(Math.sqrt(12 / 11), 12);
  });

  it('sums residuals within a shared source before squaring, and uses t on G − 1 df', () => {
    // 13 items of unequal k in 11 sources (a and b hold two items each). Hand-checked in python3:
    // p = 36/62, CR1 = 0.08549702765834619, t_{10,0.975} interval [0.390146, 0.771144];
    // clustered by item instead, CR1 = 0.09325439554060355.
    const items: ItemTally[] = [
      { passed: 3, samples: 4, cluster: 'a' }, { passed: 1, samples: 4, cluster: 'a' },
      { passed: 5, samples: 6, cluster: 'b' }, { passed: 0, samples: 2, cluster: 'b' },
      { passed: 2, samples: 2, cluster: 'c' }, { passed: 7, samples: 10, cluster: 'd' },
      { passed: 1, samples: 3, cluster: 'e' }, { passed: 4, samples: 5, cluster: 'f' },
      { passed: 2, samples: 8, cluster: 'g' }, { passed: 6, samples: 6, cluster: 'h' },
      { passed: 0, samples: 4, cluster: 'i' }, { passed: 3, samples: 3, cluster: 'j' },
      { passed: 2, samples: 5, cluster: 'k' },
    ];
    const bySource = itemAccuracy(items);
    expect(bySource).toMatchObject({ method: 'clustered-t', items: 13, clusters: 11, samples: 62, passed: 36 });
    expect(bySource.se).toBeCloseTo(0.08549702765834619, 12);
    expect(bySource.low).toBeCloseTo(0.39014591223541645, 10);
    expect(bySource.high).toBeCloseTo(0.7711444103452287, 10);
    const byItem = itemAccuracy(items.map(({ passed, samples }) => ({ passed, samples })));
    expect(byItem.clusters).toBe(13);
    expect(byItem.se).toBeCloseTo(0.09325439554060355, 12);
  });

  it('falls back to the Wilson interval over items at the boundary: 10 of 10 items → [0.7225, 1]', () => {
    const perfect = itemAccuracy(tallies(Array(10).fill(10), 10));
    expect(perfect).toMatchObject({ estimate: 1, se: 0, high: 1, method: 'wilson-items', design_effect: null });
    expect(perfect.low).toBeCloseTo(0.7225, 4);
    const none = itemAccuracy(tallies(Array(40).fill(0), 5));
    expect(none).toMatchObject({ estimate: 0, low: 0, method: 'wilson-items' });
    expect(none.high!).toBeGreaterThan(0);
  });

  it('falls back to Wilson over items below 10 items, and over clusters when items share sources', () => {
    const few = itemAccuracy(tallies([3, 1, 4, 2], 4));
    // Wilson over 4 items with Σm = 2.5 successes (python3, the Wilson formula: 0.219427, 0.908101)
    expect(few.method).toBe('wilson-items');
    expect(few.estimate).toBeCloseTo(10 / 16, 12);
    expect(few.low).toBeCloseTo(0.21942652006536284, 10);
    expect(few.high).toBeCloseTo(0.9081007708209878, 10);
    const pooled = itemAccuracy([
      { passed: 3, samples: 4, cluster: 'x' }, { passed: 1, samples: 4, cluster: 'x' },
      { passed: 4, samples: 4, cluster: 'y' }, { passed: 2, samples: 4, cluster: 'y' },
    ]);
    expect(pooled).toMatchObject({ method: 'wilson-clusters', clusters: 2, items: 4 });
    expect(pooled.high! - pooled.low!).toBeGreaterThan(few.high! - few.low!);
    // The threshold is an option.
    expect(itemAccuracy(tallies([3, 1, 4, 2], 4), { minClustersForT: 3 }).method).toBe('clustered-t');
  });

  it('has nothing to estimate without items, and refuses impossible tallies', () => {
    expect(itemAccuracy([])).toMatchObject({ estimate: null, se: null, low: null, high: null, method: null, items: 0, samples: 0 });
    expect(() => itemAccuracy([{ passed: 5, samples: 4 }])).toThrow(/items\[0\]\.passed \(5\) cannot exceed/);
    expect(() => itemAccuracy([{ passed: 0, samples: 0 }])).toThrow(/items\[0\]\.samples must be a positive integer/);
    expect(() => itemAccuracy([{ passed: -1, samples: 3 }])).toThrow(/items\[0\]\.passed/);
    expect(() => itemAccuracy(twelve, { confidence: 95 })).toThrow(/confidence/);
  });

  it('keeps the sample-level Wilson interval under its own name', () => {
    expect(sampleLevelWilson(31, 48)).toMatchObject({ method: 'wilson-samples', samples: 48, estimate: 31 / 48 });
    const narrow = sampleLevelWilson(31, 48);
    const items = itemAccuracy(twelve);
    expect(narrow.high! - narrow.low!).toBeLessThan(items.high! - items.low!);
  });
});

describe('coverage over simulated studies', () => {
  it('the item-clustered interval covers the population accuracy in ≥ 90% of 200 studies; sample-level Wilson markedly less', () => {
    // Each study draws 40 items from a population of difficulties p = u² (u uniform), whose mean
    // pass probability — the accuracy the study estimates — is E[u²] = 1/3, then 10 samples each.
    const truth = 1 / 3;
    const difficulty = mulberry32(2024);
    let clusteredCovers = 0;
    let sampleCovers = 0;
    let designEffects = 0;
    for (let study = 0; study < 200; study++) {
      const probabilities = Array.from({ length: 40 }, () => difficulty() ** 2);
      const accuracy = itemAccuracy(simulateItemTallies(probabilities, 10, study + 1));
      const naive = sampleLevelWilson(accuracy.passed, accuracy.samples);
      if (accuracy.low! <= truth && truth <= accuracy.high!) clusteredCovers += 1;
      if (naive.low! <= truth && truth <= naive.high!) sampleCovers += 1;
      designEffects += accuracy.design_effect!;
    }
    console.info(`coverage of 95% intervals over 200 studies: item-clustered ${clusteredCovers / 2}%, sample-level Wilson ${sampleCovers / 2}%; mean design effect ${(designEffects / 200).toFixed(2)}`);
    expect(clusteredCovers / 200).toBeGreaterThanOrEqual(0.9);
    expect(sampleCovers / 200).toBeLessThanOrEqual(0.75);
    expect(designEffects / 200).toBeGreaterThan(2);
  });
});
