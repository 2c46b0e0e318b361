// Drift between two runs of one study, for one item × target: did the distribution of answers
// change? The caller counts each category (every distinct normalised answer, and format failures
// and errors as categories of their own, so that a change in formatting is not read as a change
// in capability); BH across all items × targets is benjaminiHochbergAdjust.
import { exactRowsByTwo, monteCarloRowsByTwo, pearsonChiSquare, type RowCounts } from './contingency';
import { requireCount } from './numerics/input-checks';

export interface CategoryCounts {
  category: string;
  /** Samples of the first run in this category. */
  first: number;
  /** Samples of the second run in this category. */
  second: number;
}

export type DriftMethod = 'fisher-exact' | 'freeman-halton-exact' | 'monte-carlo-exact' | 'chi-square';

export interface DriftOptions {
  /** Seed of the Monte Carlo test, used only when the exact test has too many tables. Default 1. */
  seed?: number;
  /** Default 2000. */
  simulations?: number;
}

export interface AnswerDrift {
  /** Null when either run has no samples: there is nothing to compare. */
  method: DriftMethod | null;
  p_value: number | null;
  /** Pearson's X² (chi-square only). */
  statistic: number | null;
  /** Categories − 1 (chi-square only). */
  df: number | null;
  /** ½·Σ|f_first − f_second|: 0 for identical distributions, 1 for disjoint ones. */
  total_variation: number | null;
  first_total: number;
  second_total: number;
  /** Categories with at least one sample in either run. */
  categories: number;
}

/**
 * Does one item's answer distribution differ between two runs (Chen, Zaharia & Zou 2023, "How
 * is ChatGPT's behavior changing over time?", arXiv:2307.09009)? The test of independence of the
 * categories × runs table is chosen by the counts:
 * - every expected count ≥ 5 (Cochran 1954): Pearson's χ² on categories − 1 df;
 * - otherwise the exact test — Fisher's for two categories, Freeman–Halton's for more — when it
 *   enumerates at most MAX_EXACT_TABLES tables; beyond that the same test by seeded Monte Carlo.
 * A single category in both runs is one possible table: p = 1. The effect size is the total
 * variation distance between the runs' answer shares.
 */
export function answerDistributionDrift(counts: readonly CategoryCounts[], { seed = 1, simulations = 2000 }: DriftOptions = {}): AnswerDrift {
  const seen = new Set<string>();
  counts.forEach(({ category, first, second }, i) => {
    if (seen.has(category)) throw new RangeError(`category ${JSON.stringify(category)} is listed twice (entry ${i})`);
    seen.add(category);
    requireCount(first, `counts[${i}].first`);
    requireCount(second, `counts[${i}].second`);
  });
  const rows: RowCounts[] = counts.filter(({ first, second }) => first + second > 0).map(({ first, second }) => [first, second]);
  const first_total = rows.reduce((sum, [a]) => sum + a, 0);
  const second_total = rows.reduce((sum, [, b]) => sum + b, 0);
  const base = { first_total, second_total, categories: rows.length };
  if (first_total === 0 || second_total === 0) return { method: null, p_value: null, statistic: null, df: null, total_variation: null, ...base };
  const total_variation = totalVariationDistance(rows.map(([a]) => a), rows.map(([, b]) => b));
  const exactMethod = rows.length > 2 ? 'freeman-halton-exact' : 'fisher-exact';
  if (rows.length === 1) return { method: exactMethod, p_value: 1, statistic: null, df: null, total_variation, ...base };

  const total = first_total + second_total;
  const smallestExpected = rows.reduce((smallest, [a, b]) => Math.min(smallest, ((a + b) * Math.min(first_total, second_total)) / total), Infinity);
  if (smallestExpected >= 5) {
    const chiSquare = pearsonChiSquare(rows)!;
    return { method: 'chi-square', p_value: chiSquare.p_value, statistic: chiSquare.statistic, df: chiSquare.df, total_variation, ...base };
  }
  const exact = exactRowsByTwo(rows);
  if (exact) return { method: exactMethod, p_value: exact.p_value, statistic: null, df: null, total_variation, ...base };
  const simulated = monteCarloRowsByTwo(rows, { seed, simulations });
  return { method: 'monte-carlo-exact', p_value: simulated.p_value, statistic: null, df: null, total_variation, ...base };
}

/**
 * Total variation distance between two count vectors over the same categories, ½·Σ|f1 − f2| with
 * f = count / total (Levin, Peres & Wilmer 2009, §4.1): the largest difference in probability the
 * two distributions give any set of answers. Null when either total is 0.
 */
export function totalVariationDistance(first: readonly number[], second: readonly number[]): number | null {
  if (first.length !== second.length) throw new RangeError(`the two count vectors differ in length (${first.length} and ${second.length})`);
  first.forEach((count, i) => { requireCount(count, `first[${i}]`); });
  second.forEach((count, i) => { requireCount(count, `second[${i}]`); });
  const firstTotal = first.reduce((sum, c) => sum + c, 0);
  const secondTotal = second.reduce((sum, c) => sum + c, 0);
  if (firstTotal === 0 || secondTotal === 0) return null;
  return 0.5 * first.reduce((sum, count, i) => sum + Math.abs(count / firstTotal - second[i]! / secondTotal), 0);
}
