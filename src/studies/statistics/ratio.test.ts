import { describe, expect, it } from 'vitest';
import { clusteredRatio } from './ratio';

describe('clustered ratio estimator', () => {
  it('sums residuals within a cluster before squaring; a unit without a key is its own cluster', () => {
    // R = 6/12; residuals 2 − 0.5·2 = 1, 0 − 0.5·2 = −1, 4 − 0.5·8 = 0.
    const separate = clusteredRatio([{ numerator: 2, denominator: 2 }, { numerator: 0, denominator: 2 }, { numerator: 4, denominator: 8 }], 'CR0')!;
    expect(separate).toMatchObject({ ratio: 0.5, units: 3, clusters: 3, numerator: 6, denominator: 12 });
    expect(separate.se).toBeCloseTo(Math.sqrt(2) / 12, 15);
    // Sharing a source, the first two units' residuals cancel.
    const shared = clusteredRatio([
      { numerator: 2, denominator: 2, cluster: 's' }, { numerator: 0, denominator: 2, cluster: 's' }, { numerator: 4, denominator: 8 },
    ], 'CR0')!;
    expect(shared.clusters).toBe(2);
    expect(shared.se).toBe(0);
  });

  it('does not merge a cluster named "0" with the unkeyed first unit', () => {
    expect(clusteredRatio([{ numerator: 1, denominator: 2 }, { numerator: 1, denominator: 2, cluster: '0' }])!.clusters).toBe(2);
  });

  it('applies CR1 = CR0·√(G/(G−1)), has no SE from one cluster, and no ratio from a zero denominator', () => {
    const units = [{ numerator: 2, denominator: 2 }, { numerator: 0, denominator: 2 }, { numerator: 4, denominator: 8 }];
    expect(clusteredRatio(units)!.se! / clusteredRatio(units, 'CR0')!.se!).toBeCloseTo(Math.sqrt(3 / 2), 14);
    expect(clusteredRatio([{ numerator: 1, denominator: 3 }])!.se).toBeNull();
    expect(clusteredRatio([{ numerator: 0, denominator: 0 }])).toBeNull();
    expect(() => clusteredRatio([{ numerator: Number.NaN, denominator: 1 }])).toThrow(/units\[0\]\.numerator/);
  });
});
