// Adjusted p-values for a family of tests (many targets compared, many items tested for drift).
import { requireProbability } from './numerics/input-checks';

/**
 * Holm's (1979) step-down adjusted p-values, in the input order: with the m p-values sorted
 * ascending, p̃_(j) = max_{l ≤ j} min(1, (m − l + 1)·p_(l)). Rejecting where p̃ ≤ α controls the
 * family-wise error rate at α under any dependence. Equals R's `p.adjust(p, "holm")`.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = ascendingOrder(pValues);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pValues[index]!));
    adjusted[index] = running;
  });
  return adjusted;
}

/**
 * Benjamini–Hochberg (1995) adjusted p-values ("q-values"), in the input order: with the m
 * p-values sorted ascending, q_(j) = min_{l ≥ j} min(1, m·p_(l)/l). Rejecting where q ≤ α
 * controls the false discovery rate at α for independent or positively dependent tests — the
 * choice for many per-item drift tests. Equals R's `p.adjust(p, "BH")`.
 */
export function benjaminiHochbergAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = ascendingOrder(pValues);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const index = order[rank]!;
    running = Math.min(running, (m * pValues[index]!) / (rank + 1));
    adjusted[index] = running;
  }
  return adjusted;
}

function ascendingOrder(pValues: readonly number[]): number[] {
  pValues.forEach((p, i) => { requireProbability(p, `pValues[${i}]`); });
  return pValues.map((_, i) => i).sort((a, b) => pValues[a]! - pValues[b]! || a - b);
}
