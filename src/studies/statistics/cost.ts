// What a correct answer costs: total spend over total passing samples, with an interval over items.
import { studentTQuantile } from './numerics/distributions';
import { requireConfidence, requireCount, requireNonNegative } from './numerics/input-checks';
import { clusteredRatio, type SmallSampleCorrection } from './ratio';

export interface ItemCost {
  /** Everything spent on this item's samples — failed, unparsable and errored ones included. */
  cost: number;
  /** Passing samples of the item. */
  passed: number;
  cluster?: string;
}

export interface CostPerCorrect {
  /** Σcost / Σpassed; null with no passing sample (a correct answer was never bought). */
  estimate: number | null;
  se: number | null;
  low: number | null;
  high: number | null;
  method: 'delta-clustered-t';
  correction: SmallSampleCorrection;
  items: number;
  clusters: number;
  total_cost: number;
  correct: number;
}

/**
 * Cost per correct answer over items, R = Σcost_i / Σpassed_i — a ratio estimator, not the mean
 * of per-item ratios (items with no correct answer would be infinite). Its standard error is the
 * delta-method (linearised) variance of a ratio with residuals cost_i − R·passed_i summed per
 * cluster (Cochran 1977, "Sampling Techniques", ch. 6; see ratio.ts), CR1 by default, and the
 * interval R ± t_{G−1}·SE over G clusters, its low end clamped at 0. The delta method wants a
 * fair number of correct answers: with few, read the interval as rough. se and the interval are
 * null with fewer than two clusters.
 */
export function costPerCorrect(
  items: readonly ItemCost[],
  { correction = 'CR1', confidence = 0.95 }: { correction?: SmallSampleCorrection; confidence?: number } = {},
): CostPerCorrect {
  requireConfidence(confidence);
  items.forEach((item, i) => {
    requireNonNegative(item.cost, `items[${i}].cost`);
    requireCount(item.passed, `items[${i}].passed`);
  });
  const total_cost = items.reduce((sum, item) => sum + item.cost, 0);
  const ratio = clusteredRatio(items.map((item) => ({ numerator: item.cost, denominator: item.passed, cluster: item.cluster })), correction);
  const clusters = new Set(items.map((item, i) => item.cluster ?? i)).size;
  const base = { method: 'delta-clustered-t' as const, correction, items: items.length, clusters, total_cost, correct: ratio?.denominator ?? 0 };
  if (!ratio) return { estimate: null, se: null, low: null, high: null, ...base };
  if (ratio.se === null) return { estimate: ratio.ratio, se: null, low: null, high: null, ...base };
  const half = studentTQuantile(1 - (1 - confidence) / 2, ratio.clusters - 1) * ratio.se;
  return { estimate: ratio.ratio, se: ratio.se, low: Math.max(0, ratio.ratio - half), high: ratio.ratio + half, ...base };
}
