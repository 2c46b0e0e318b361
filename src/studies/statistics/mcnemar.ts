// The exact McNemar test on majority-vote correctness (moved here from the earlier studies/report/statistics.ts,
// which the report still uses until it is wired to this folder).
import { requireCount } from './numerics/input-checks';

export interface McNemarResult {
  b: number;
  c: number;
  p_value: number;
}

/**
 * Two-sided exact McNemar test over items, on the discordant pairs of majority votes: b items only
 * the first target's vote got right, c items only the second's. Under the null hypothesis each
 * discordant item is a fair coin, so X ~ Bin(b + c, ½) and
 *
 *   p = min(1, 2 · P(X ≤ min(b, c)))
 *
 * (Fagerland, Lydersen & Laake 2013; the same value as R's binom.test(min(b, c), b + c)). It
 * answers a question about votes, not about per-sample accuracy (for that, pairedDifference).
 * With no discordant pairs there is no evidence either way: p = 1. The tail is computed in a
 * scaled form, accurate to about 1e-13 relative for b + c in the hundreds of thousands; p-values
 * below about 1e-308 underflow to 0.
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
