// Repeated attempts at one item: pass@k (at least one of k passes) and pass^k (all k pass).
import { requireCount, requirePositiveCount } from './numerics/input-checks';

function requireAttempts(samples: number, passed: number, k: number): void {
  requirePositiveCount(samples, 'samples');
  requireCount(passed, 'passed');
  requirePositiveCount(k, 'k');
  if (passed > samples) throw new RangeError(`passed (${passed}) cannot exceed samples (${samples})`);
  if (k > samples) throw new RangeError(`k (${k}) cannot exceed samples (${samples})`);
}

/**
 * pass@k of one item: the probability that at least one of k samples drawn without replacement
 * from its n samples (c passing) passes — the unbiased estimator of Chen et al. 2021 ("Evaluating
 * Large Language Models Trained on Code", §2.1), 1 − C(n−c, k)/C(n, k), computed in their
 * numerically stable product form 1 − Π_{i=n−c+1}^{n} (1 − k/i).
 */
export function passAtK(samples: number, passed: number, k: number): number {
  requireAttempts(samples, passed, k);
  if (samples - passed < k) return 1;
  let allFail = 1;
  for (let i = samples - passed + 1; i <= samples; i++) allFail *= 1 - k / i;
  return 1 - allFail;
}

/**
 * pass^k of one item: the probability that all k samples drawn without replacement from its n
 * samples (c passing) pass, C(c, k)/C(n, k) = Π_{i<k} (c−i)/(n−i) — the unbiased estimator of
 * reliability over repeated trials (Yao et al. 2024, "τ-bench", arXiv:2406.12045).
 */
export function passHatK(samples: number, passed: number, k: number): number {
  requireAttempts(samples, passed, k);
  if (passed < k) return 0;
  let allPass = 1;
  for (let i = 0; i < k; i++) allPass *= (passed - i) / (samples - i);
  return allPass;
}

export interface RepeatCurvePoint {
  k: number;
  /** Mean over items of each item's pass@k. */
  pass_at_k: number;
  /** Mean over items of each item's pass^k. */
  pass_hat_k: number;
  items: number;
}

/**
 * pass@k and pass^k averaged over items (each item weighs the same, whatever its samples), for
 * k = 1 .. the smallest number of samples any item has. Empty without items.
 */
export function repeatCurves(items: ReadonlyArray<{ passed: number; samples: number }>): RepeatCurvePoint[] {
  if (items.length === 0) return [];
  const maxK = items.reduce((smallest, item, i) => {
    requireAttempts(item.samples, item.passed, 1);
    if (!Number.isInteger(item.samples)) throw new RangeError(`items[${i}].samples must be an integer`);
    return Math.min(smallest, item.samples);
  }, Infinity);
  const curve: RepeatCurvePoint[] = [];
  for (let k = 1; k <= maxK; k++) {
    let atK = 0;
    let hatK = 0;
    for (const item of items) {
      atK += passAtK(item.samples, item.passed, k);
      hatK += passHatK(item.samples, item.passed, k);
    }
    curve.push({ k, pass_at_k: atK / items.length, pass_hat_k: hatK / items.length, items: items.length });
  }
  return curve;
}
