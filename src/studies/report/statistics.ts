// Statistics for study results: intervals for accuracies, paired comparisons of two targets,
// agreement among repeated samples, and percentiles. Pure functions; inputs out of their
// domain throw a RangeError.
import { mulberry32 } from '../statistics/seeded-random';

/** The 97.5th percentile of the standard normal distribution: a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

export interface Interval {
  estimate: number | null;
  low: number | null;
  high: number | null;
}

/**
 * Wilson score interval for a binomial proportion, without continuity correction (Wilson 1927;
 * "method 3" in Newcombe 1998):
 *
 *   centre = (p + z²/2n) / (1 + z²/n)
 *   half   = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²)      with p = successes / n
 *
 * Unlike the Wald interval it stays inside [0, 1] and does not collapse to zero width at 0 or n
 * successes. With n = 0 there is nothing to estimate: estimate, low and high are all null.
 */
export function wilsonInterval(successes: number, n: number, z = Z_95): Interval {
  requireCount(n, 'n');
  requireCount(successes, 'successes');
  if (successes > n) throw new RangeError(`successes (${successes}) cannot exceed n (${n})`);
  if (!(z > 0) || !Number.isFinite(z)) throw new RangeError(`z must be a positive number, got ${z}`);
  if (n === 0) return { estimate: null, low: null, high: null };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 or n successes one limit is exactly 0 or 1 in exact arithmetic; clamp the rounding.
  return { estimate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface McNemarResult {
  b: number;
  c: number;
  p_value: number;
}

/**
 * Two-sided exact McNemar test on the discordant pairs of a paired comparison: b items only the
 * first target got right, c items only the second got right. Under the null hypothesis each
 * discordant item is a fair coin, so X ~ Bin(b + c, ½) and
 *
 *   p = min(1, 2 · P(X ≤ min(b, c)))
 *
 * (Fagerland, Lydersen & Laake 2013; the same value as R's binom.test(min(b, c), b + c)).
 * With no discordant pairs there is no evidence either way: p = 1. The tail is computed in a
 * scaled form, accurate to about 1e-13 relative for b + c in the hundreds of thousands;
 * p-values below about 1e-308 underflow to 0.
 */
export function mcnemarExact(b: number, c: number): McNemarResult {
  requireCount(b, 'b');
  requireCount(c, 'c');
  const n = b + c;
  if (n === 0) return { b, c, p_value: 1 };
  return { b, c, p_value: Math.min(1, 2 * binomialHalfLowerTail(Math.min(b, c), n)) };
}

/**
 * P(X ≤ m) for X ~ Bin(n, ½) and m ≤ n/2. C(n, m) overflows and 2^−n underflows long before
 * n = 1e5, and adding up ln C(n, m) term by term loses digits to the size of the running sum; so
 * the largest term, P(X = m), is carried as mantissa · 2^exponent, scaling by exact powers of
 * two. The terms below it are summed relative to it through P(X = k−1) / P(X = k) = k / (n − k + 1).
 */
function binomialHalfLowerTail(m: number, n: number): number {
  let mantissa = 1;
  let exponent = -n;
  for (let i = 1; i <= m; i++) {
    mantissa *= (n - m + i) / i;
    if (mantissa > 2 ** 512) {
      mantissa *= 2 ** -512;
      exponent += 512;
    }
  }
  let term = 1;
  let sum = 1;
  for (let k = m; k > 0; k--) {
    term *= k / (n - k + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  let tail = mantissa * sum;
  for (; exponent < -1000; exponent += 1000) tail *= 2 ** -1000;
  return tail * 2 ** exponent;
}

export interface PairedBootstrapOptions {
  /** Any integer; taken modulo 2^32. The same pairs and seed always give the same interval. */
  seed: number;
  iterations?: number;
  confidence?: number;
}

export interface DifferenceInterval {
  difference: number | null;
  low: number | null;
  high: number | null;
}

/**
 * Difference in mean score between two targets answering the same items (first minus second),
 * with a percentile bootstrap interval: each iteration draws as many items as there are, with
 * replacement, keeping each item's two scores together, and the interval is the nearest-rank
 * (α/2, 1 − α/2) percentiles of the resampled differences. Resampling items, not answers,
 * respects the pairing, which is what makes a paired comparison sharper than two separate
 * intervals. Items are drawn with mulberry32 (see seeded-random.ts); with no pairs, all three
 * figures are null.
 */
export function pairedBootstrapDifference(
  pairs: ReadonlyArray<readonly [number, number]>,
  { seed, iterations = 2000, confidence = 0.95 }: PairedBootstrapOptions,
): DifferenceInterval {
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`iterations must be a positive integer, got ${iterations}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be between 0 and 1, got ${confidence}`);
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const n = pairs.length;
  if (n === 0) return { difference: null, low: null, high: null };
  const differences = new Float64Array(n);
  pairs.forEach(([first, second], i) => {
    if (!Number.isFinite(first) || !Number.isFinite(second)) throw new RangeError(`pair ${i} holds a non-finite score`);
    differences[i] = first - second;
  });
  const random = mulberry32(seed);
  const resampled = new Float64Array(iterations);
  for (let iteration = 0; iteration < iterations; iteration++) {
    let total = 0;
    for (let draw = 0; draw < n; draw++) total += differences[Math.floor(random() * n)]!;
    resampled[iteration] = total / n;
  }
  resampled.sort();
  const tail = (1 - confidence) / 2;
  return {
    difference: mean(differences),
    low: resampled[nearestRankIndex(tail, iterations)]!,
    high: resampled[nearestRankIndex(1 - tail, iterations)]!,
  };
}

export interface AnswerCount {
  answer: string;
  count: number;
}

export interface ModalAnswer {
  answer: string;
  count: number;
  /** count / all samples in the distribution. */
  share: number;
}

/**
 * Shannon entropy of an answer distribution divided by ln k, k being the number of distinct
 * answers (counts of 0 are not answers): 0 when every sample agrees, 1 when every distinct
 * answer is equally frequent. A single sample, or samples that all agree, give 0 — no
 * disagreement was observed. No samples at all give null.
 */
export function normalizedEntropy(counts: readonly number[]): number | null {
  counts.forEach((count, i) => {
    if (!(count >= 0) || !Number.isFinite(count)) throw new RangeError(`count ${i} must be a non-negative number, got ${count}`);
  });
  const present = counts.filter((count) => count > 0);
  const total = present.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  if (present.length === 1) return 0;
  const entropy = -present.reduce((sum, count) => sum + (count / total) * Math.log(count / total), 0);
  return entropy / Math.log(present.length);
}

/** Each distinct answer with how many samples gave it, most frequent first (ties as in modalAnswer). */
export function answerDistribution(answers: readonly string[]): AnswerCount[] {
  const counts = new Map<string, number>();
  for (const answer of answers) counts.set(answer, (counts.get(answer) ?? 0) + 1);
  return [...counts].map(([answer, count]) => ({ answer, count })).sort(byCountThenAnswer);
}

/**
 * The most frequent answer of a distribution. Repeated entries for one answer are added up.
 * Ties go to the answer that sorts first by UTF-16 code units — not by locale, so the winner
 * does not depend on the order rows came back in nor on the machine's language settings.
 * Null when there are no samples.
 */
export function modalAnswer(distribution: readonly AnswerCount[]): ModalAnswer | null {
  const counts = new Map<string, number>();
  let total = 0;
  distribution.forEach(({ answer, count }, i) => {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count of entry ${i} must be a non-negative integer, got ${count}`);
    counts.set(answer, (counts.get(answer) ?? 0) + count);
    total += count;
  });
  if (total === 0) return null;
  const [top] = [...counts].map(([answer, count]) => ({ answer, count })).sort(byCountThenAnswer);
  return { answer: top!.answer, count: top!.count, share: top!.count / total };
}

/**
 * Plurality vote over the samples of one item (the "majority vote" of self-consistency
 * decoding, Wang et al. 2022): the most frequent answer, even below half of the samples.
 */
export function majorityVote(answers: readonly string[]): string | null {
  return modalAnswer(answerDistribution(answers))?.answer ?? null;
}

/** Share of the samples that agree with the majority vote; null with no samples. */
export function selfConsistency(answers: readonly string[]): number | null {
  return modalAnswer(answerDistribution(answers))?.share ?? null;
}

function byCountThenAnswer(a: AnswerCount, b: AnswerCount): number {
  if (a.count !== b.count) return b.count - a.count;
  return a.answer < b.answer ? -1 : a.answer > b.answer ? 1 : 0;
}

/**
 * Nearest-rank percentile: the smallest value such that at least p% of the values are less
 * than or equal to it, i.e. the ⌈p/100 · N⌉-th smallest (p = 0 gives the minimum). Always one
 * of the observed values, never interpolated. Null for an empty list. Used for latency p50/p95.
 */
export function percentileNearestRank(values: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be between 0 and 100, got ${p}`);
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[nearestRankIndex(p / 100, sorted.length)]!;
}

/**
 * Zero-based index of the ⌈fraction · n⌉-th smallest of n values. The slack absorbs rounding in
 * the product (0.025 · 2000 must be rank 50, not 51).
 */
function nearestRankIndex(fraction: number, n: number): number {
  const rank = Math.ceil(fraction * n - 1e-9);
  return Math.min(n, Math.max(1, rank)) - 1;
}

function mean(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total / values.length;
}

function requireCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}
