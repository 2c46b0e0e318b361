// The ratio estimator ΣN / ΣD over items with a cluster-robust standard error: accuracy
// (passes / samples) and cost per correct answer (cost / passes) are both of this form.
import { requireNonNegative } from './numerics/input-checks';

/**
 * How the sandwich variance is scaled for the number of clusters G: CR0 not at all, CR1 by
 * G / (G − 1), which offsets most of CR0's downward bias with few clusters (Cameron & Miller
 * 2015, "A Practitioner's Guide to Cluster-Robust Inference", J. Human Resources 50:317). CR1 is
 * the default here: studies have tens of items, where the difference shows.
 */
export type SmallSampleCorrection = 'CR0' | 'CR1';

export interface RatioUnit {
  numerator: number;
  denominator: number;
  /** Units sharing a key form one cluster; a unit without a key is its own cluster. */
  cluster?: string;
}

export interface ClusteredRatio {
  ratio: number;
  /** Null with fewer than two clusters: one cluster says nothing about between-cluster spread. */
  se: number | null;
  units: number;
  clusters: number;
  numerator: number;
  denominator: number;
}

/**
 * R = ΣN_i / ΣD_i with the linearised (delta-method) cluster-robust standard error
 *
 *   SE = √(c · Σ_g r_g²) / ΣD_i,   r_g = Σ_{i∈g} (N_i − R·D_i),   c = 1 (CR0) or G/(G−1) (CR1)
 *
 * (Cochran 1977, "Sampling Techniques", ch. 6 for the ratio; Miller 2024, arXiv:2411.00640, §2–3
 * for accuracy over items). Residuals are summed within a cluster before squaring, so units that
 * share a source count once. Null when ΣD = 0 (the ratio is undefined).
 */
export function clusteredRatio(units: readonly RatioUnit[], correction: SmallSampleCorrection = 'CR1'): ClusteredRatio | null {
  let numerator = 0;
  let denominator = 0;
  units.forEach((unit, i) => {
    requireNonNegative(unit.numerator, `units[${i}].numerator`);
    requireNonNegative(unit.denominator, `units[${i}].denominator`);
    numerator += unit.numerator;
    denominator += unit.denominator;
  });
  if (denominator === 0) return null;
  const ratio = numerator / denominator;
  const residuals = new Map<string | number, number>();
  units.forEach((unit, i) => {
    const key = unit.cluster ?? i;
    residuals.set(key, (residuals.get(key) ?? 0) + unit.numerator - ratio * unit.denominator);
  });
  const clusters = residuals.size;
  let sumOfSquares = 0;
  for (const r of residuals.values()) sumOfSquares += r * r;
  const scale = correction === 'CR1' ? clusters / (clusters - 1) : 1;
  const se = clusters < 2 ? null : Math.sqrt(scale * sumOfSquares) / denominator;
  return { ratio, se, units: units.length, clusters, numerator, denominator };
}
