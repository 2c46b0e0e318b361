// Accuracy of one target over the study's items, with an interval that treats the items — not the
// samples — as the units drawn from a population.
import { studentTQuantile } from './numerics/distributions';
import { requireConfidence, requireCount, requirePositiveCount } from './numerics/input-checks';
import { clusteredRatio, type SmallSampleCorrection } from './ratio';
import { wilsonInterval } from './wilson';

/** One item's scored samples for one target: x_i passing out of k_i. */
export interface ItemTally {
  passed: number;
  samples: number;
  /** Items sharing a source (passage, template) share a key and are resampled together. */
  cluster?: string;
}

/**
 * - `clustered-t`: p ± t_{G−1, 1−α/2} · SE_clustered (G clusters; t rather than z because G is
 *   usually tens, not thousands).
 * - `wilson-items` / `wilson-clusters`: the Wilson interval over the G units, used at the boundary
 *   (every item passes or none, SE = 0) and with fewer than `minClustersForT` units.
 */
export type AccuracyMethod = 'clustered-t' | 'wilson-items' | 'wilson-clusters';

export interface AccuracyOptions {
  correction?: SmallSampleCorrection;
  confidence?: number;
  /** Below this many clusters the Wilson interval over them is used. Default 10. */
  minClustersForT?: number;
}

export interface ItemAccuracy {
  /** p = Σx_i / Σk_i: the share of passing samples, each item weighted by its samples. */
  estimate: number | null;
  /** The item-clustered standard error (with `correction`); null with fewer than two clusters. */
  se: number | null;
  low: number | null;
  high: number | null;
  method: AccuracyMethod | null;
  correction: SmallSampleCorrection;
  items: number;
  clusters: number;
  samples: number;
  passed: number;
  /** (SE_clustered / SE_iid)², SE_iid = √(p(1−p)/Σk): how many times the sample-level variance understates. */
  design_effect: number | null;
}

export const DEFAULT_MIN_CLUSTERS_FOR_T = 10;

/**
 * Accuracy of a target over a population of items, estimated from the study's items (Miller
 * 2024, "Adding Error Bars to Evals", arXiv:2411.00640, §2–3): p = Σx_i / Σk_i with the
 * cluster-robust standard error of a ratio (see ratio.ts), clustered by item or by the items'
 * shared source, CR1 by default. The interval is p ± t_{G−1}·SE over G clusters, clamped to
 * [0, 1]. Where that interval is unreliable — SE = 0 (all items pass, none do, or every item has
 * the same share) or fewer than `minClustersForT` clusters — it is the Wilson interval over the
 * G units with p·G successes (equal to Σm_i over items when every item has the same k): 10 of 10
 * items passing reads [0.7225, 1]. Items need at least one scored sample.
 */
export function itemAccuracy(items: readonly ItemTally[], options: AccuracyOptions = {}): ItemAccuracy {
  const { correction = 'CR1', confidence = 0.95, minClustersForT = DEFAULT_MIN_CLUSTERS_FOR_T } = options;
  requireConfidence(confidence);
  requirePositiveCount(minClustersForT, 'minClustersForT');
  items.forEach((item, i) => {
    requireCount(item.passed, `items[${i}].passed`);
    requirePositiveCount(item.samples, `items[${i}].samples`);
    if (item.passed > item.samples) throw new RangeError(`items[${i}].passed (${item.passed}) cannot exceed its samples (${item.samples})`);
  });
  const ratio = clusteredRatio(items.map((item) => ({ numerator: item.passed, denominator: item.samples, cluster: item.cluster })), correction);
  const clustered = items.some((item) => item.cluster !== undefined);
  const counts = { items: items.length, clusters: ratio?.clusters ?? 0, samples: ratio?.denominator ?? 0, passed: ratio?.numerator ?? 0 };
  if (!ratio) return { estimate: null, se: null, low: null, high: null, method: null, correction, design_effect: null, ...counts };

  const p = ratio.ratio;
  const se = ratio.se;
  const seIid = Math.sqrt((p * (1 - p)) / ratio.denominator);
  const design_effect = se !== null && seIid > 0 ? (se / seIid) ** 2 : null;
  if (se !== null && se > 0 && ratio.clusters >= minClustersForT) {
    const half = studentTQuantile(1 - (1 - confidence) / 2, ratio.clusters - 1) * se;
    return { estimate: p, se, low: Math.max(0, p - half), high: Math.min(1, p + half), method: 'clustered-t', correction, design_effect, ...counts };
  }
  const wilson = wilsonInterval(p * ratio.clusters, ratio.clusters, confidence);
  return {
    estimate: p,
    se,
    low: wilson.low,
    high: wilson.high,
    method: clustered ? 'wilson-clusters' : 'wilson-items',
    correction,
    design_effect,
    ...counts,
  };
}

export interface SampleLevelWilson {
  estimate: number | null;
  low: number | null;
  high: number | null;
  method: 'wilson-samples';
  samples: number;
}

/**
 * The Wilson interval over samples, as if every sample were an independent trial. Samples of one
 * item are repeated measurements of that item, not new items, so as an interval for accuracy over
 * items this is too narrow by about √design_effect; it is kept to show that contrast (and for
 * studies that really have one sample per item, where it coincides with `wilson-items`).
 */
export function sampleLevelWilson(passed: number, samples: number, confidence = 0.95): SampleLevelWilson {
  requireCount(passed, 'passed');
  return { ...wilsonInterval(passed, samples, confidence), method: 'wilson-samples', samples };
}
