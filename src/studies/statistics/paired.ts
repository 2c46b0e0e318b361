// Two targets compared on the same items: the paired difference of per-item accuracy, its
// interval and p-value, and what a study of this size can detect.
import { normalQuantile, studentTQuantile, studentTTwoSidedP } from './numerics/distributions';
import { requireConfidence, requireFinite, requireNonNegative, requireProbability, requirePositiveCount } from './numerics/input-checks';
import { mcnemarExact } from './mcnemar';

export interface PairedComparison {
  /** n: items both targets answered. */
  items: number;
  /** d̄ = mean of d_i = m_A,i − m_B,i (first minus second). */
  mean: number | null;
  sd: number | null;
  se: number | null;
  df: number | null;
  t: number | null;
  p_value: number | null;
  low: number | null;
  high: number | null;
  /** `paired-t` normally; `sign-test` when every item differs by the same amount (s_d = 0). */
  method: 'paired-t' | 'sign-test' | null;
  /** The smallest true difference this study would detect with 80% power at α = 0.05. */
  mde: number | null;
}

/**
 * The paired comparison of two targets over the items both answered (Miller 2024,
 * arXiv:2411.00640, §4; Student 1908): d_i = m_A,i − m_B,i, SE = s_d/√n, the interval
 * d̄ ± t_{n−1, 1−α/2}·SE and the two-sided p-value of t = d̄/SE on n − 1 degrees of freedom —
 * the same figures as R's `t.test(d)`. Pairing removes the items' shared difficulty, so this SE
 * is much smaller than √(SE_A² + SE_B²).
 *
 * Degenerate studies, where R's t.test stops with "data are essentially constant":
 * - n = 0: every figure null. n = 1: the mean only — one item says nothing about spread.
 * - s_d = 0 (every item differs by the same d, up to rounding): the t statistic is undefined. The
 *   p-value is then the exact two-sided sign test over the n items (all n differences share a
 *   sign: p = 2·½ⁿ, or 1 when every difference is 0), se is 0, and the interval and MDE are
 *   null because there is no spread to scale them by.
 */
export function pairedDifference(pairs: ReadonlyArray<readonly [number, number]>, confidence = 0.95): PairedComparison {
  const differences = pairs.map(([first, second], i) => {
    requireFinite(first, `pairs[${i}][0]`);
    requireFinite(second, `pairs[${i}][1]`);
    return first - second;
  });
  return pairedDifferenceOf(differences, confidence);
}

/**
 * pairedDifference from the per-item differences d_i themselves — for callers that compare many
 * pairs of targets and fill one buffer per pair instead of building pairs.
 */
export function pairedDifferenceOf(differences: ArrayLike<number>, confidence = 0.95): PairedComparison {
  requireConfidence(confidence);
  const n = differences.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    requireFinite(differences[i]!, `differences[${i}]`);
    sum += differences[i]!;
  }
  const none = { se: null, df: null, t: null, p_value: null, low: null, high: null, method: null, mde: null };
  if (n === 0) return { items: 0, mean: null, sd: null, ...none };
  const mean = sum / n;
  if (n === 1) return { items: 1, mean, sd: null, ...none };
  let squares = 0;
  let scale = 1;
  for (let i = 0; i < n; i++) {
    squares += (differences[i]! - mean) ** 2;
    scale = Math.max(scale, Math.abs(differences[i]!));
  }
  const sd = Math.sqrt(squares / (n - 1));
  const df = n - 1;
  if (sd <= 1e-12 * scale) {
    const allZero = Math.abs(mean) <= 1e-12 * scale;
    const p_value = allZero ? 1 : mcnemarExact(n, 0).p_value;
    return { items: n, mean, sd: 0, se: 0, df, t: null, p_value, low: null, high: null, method: 'sign-test', mde: null };
  }
  const se = sd / Math.sqrt(n);
  const t = mean / se;
  const half = studentTQuantile(1 - (1 - confidence) / 2, df) * se;
  return {
    items: n,
    mean,
    sd,
    se,
    df,
    t,
    p_value: studentTTwoSidedP(t, df),
    low: mean - half,
    high: mean + half,
    method: 'paired-t',
    mde: minimumDetectableEffect(sd, n),
  };
}

export interface PowerOptions {
  /** Two-sided significance level; default 0.05. */
  alpha?: number;
  /** Default 0.8. */
  power?: number;
}

/**
 * Minimum detectable effect of a paired comparison (Miller 2024, power analysis): (z_{1−α/2} + z_power)·s_d/√n,
 * 2.8016·s_d/√n at α = 0.05 and 80% power, from the observed (or an assumed) paired sd over n items.
 */
export function minimumDetectableEffect(sd: number, items: number, { alpha = 0.05, power = 0.8 }: PowerOptions = {}): number {
  requireNonNegative(sd, 'sd');
  requirePositiveCount(items, 'items');
  return powerMultiplier(alpha, power) * sd / Math.sqrt(items);
}

/**
 * Items needed to detect a true paired difference `effect` (Miller 2024, power analysis):
 * n = ((z_{1−α/2} + z_power)·s_d / δ)², rounded up, and never fewer than 2 (a paired t needs two).
 */
export function itemsNeededForEffect(sd: number, effect: number, { alpha = 0.05, power = 0.8 }: PowerOptions = {}): number {
  requireNonNegative(sd, 'sd');
  if (!(effect > 0) || !Number.isFinite(effect)) throw new RangeError(`effect must be a finite number > 0, got ${effect}`);
  return Math.max(2, Math.ceil((powerMultiplier(alpha, power) * sd / effect) ** 2));
}

function powerMultiplier(alpha: number, power: number): number {
  requireProbability(alpha, 'alpha');
  requireProbability(power, 'power');
  if (alpha === 0 || alpha === 1 || power === 0 || power === 1) throw new RangeError('alpha and power must be strictly between 0 and 1');
  return normalQuantile(1 - alpha / 2) + normalQuantile(power);
}
