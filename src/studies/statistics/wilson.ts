// The Wilson score interval, over whatever units the caller counts: items (the default fallback
// of item-level accuracy), clusters, or — named as such — samples.
import { normalQuantile } from './numerics/distributions';
import { requireConfidence, requireCount, requireFinite } from './numerics/input-checks';

export interface WilsonInterval {
  estimate: number | null;
  low: number | null;
  high: number | null;
}

/**
 * Wilson score interval for a proportion (Wilson 1927; "method 3", no continuity correction, in
 * Newcombe 1998), over n independent units of which `successes` passed:
 *
 *   centre = (p + z²/2n) / (1 + z²/n)
 *   half   = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²)      with p = successes / n
 *
 * `successes` may be fractional (Σ m_i, the summed per-item accuracies, over n items): each unit
 * then counts as a share in [0, 1], whose variance is at most p(1 − p), so the interval stays
 * conservative. It stays inside [0, 1] and keeps a width at 0 or n successes (10 of 10 items:
 * [0.7225, 1]). With n = 0 there is nothing to estimate: all three figures are null.
 */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): WilsonInterval {
  requireCount(n, 'n');
  requireFinite(successes, 'successes');
  if (successes < 0 || successes > n * (1 + 1e-12)) throw new RangeError(`successes must be between 0 and n (${n}), got ${successes}`);
  requireConfidence(confidence);
  if (n === 0) return { estimate: null, low: null, high: null };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = Math.min(1, successes / n);
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 or n successes one limit is exactly 0 or 1 in exact arithmetic; rounding would miss it.
  const low = p === 0 ? 0 : Math.max(0, centre - half);
  const high = p === 1 ? 1 : Math.min(1, centre + half);
  return { estimate: p, low, high };
}
