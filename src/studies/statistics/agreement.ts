// Agreement between two raters of the same calls (a human and a scorer, or two reviewers).
import { normalQuantile, normalUpperTail } from './numerics/distributions';
import { requireConfidence, requireCount } from './numerics/input-checks';

export interface CohenKappa {
  /** Null when there are no calls, or when chance agreement is already 1 (both raters constant). */
  kappa: number | null;
  p_o: number | null;
  p_e: number | null;
  /** Number of calls rated by both. */
  n: number;
  /** Large-sample standard error of κ (Fleiss, Cohen & Everitt 1969), for the interval. */
  se: number | null;
  low: number | null;
  high: number | null;
  /** Two-sided p-value of κ = 0, with the standard error under that hypothesis (ibid.). */
  p_value: number | null;
  method: 'fleiss-cohen-everitt-1969';
}

/**
 * Cohen's (1960) κ for two raters of the same n calls: p_o = observed agreement, p_e = Σ_j (row
 * share × column share), κ = (p_o − p_e)/(1 − p_e). `table[i][j]` counts calls the first rater
 * put in category i and the second in j; for pass/fail, [[both pass, only first passes], [only
 * second passes, both fail]]. The interval is κ ± z·SE with the large-sample non-null variance of
 * Fleiss, Cohen & Everitt (1969):
 *
 *   Var(κ) = [Σ_i p_ii(1 − (p_i· + p_·i)(1 − κ))² + (1 − κ)² Σ_{i≠j} p_ij(p_·i + p_j·)²
 *             − (κ − p_e(1 − κ))²] / (n (1 − p_e)²),
 *
 * clamped to [−1, 1]; the p-value uses their variance under κ = 0. Over calls, not items: repeat
 * calls of one item by the same pair of raters would count as separate calls.
 */
export function cohenKappa(table: ReadonlyArray<readonly number[]>, confidence = 0.95): CohenKappa {
  requireConfidence(confidence);
  const size = table.length;
  if (size < 2) throw new RangeError(`table must have at least two categories, got ${size}`);
  let n = 0;
  table.forEach((row, i) => {
    if (row.length !== size) throw new RangeError(`table must be square: row ${i} has ${row.length} cells, not ${size}`);
    row.forEach((count, j) => {
      requireCount(count, `table[${i}][${j}]`);
      n += count;
    });
  });
  const empty = { kappa: null, p_o: null, p_e: null, n, se: null, low: null, high: null, p_value: null, method: 'fleiss-cohen-everitt-1969' as const };
  if (n === 0) return empty;
  const p = table.map((row) => row.map((count) => count / n));
  const rows = p.map((row) => row.reduce((sum, x) => sum + x, 0));
  const columns = p[0]!.map((_, j) => p.reduce((sum, row) => sum + row[j]!, 0));
  const p_o = p.reduce((sum, row, i) => sum + row[i]!, 0);
  const p_e = rows.reduce((sum, r, i) => sum + r * columns[i]!, 0);
  if (p_e >= 1 - 1e-15) return { ...empty, p_o, p_e };
  const kappa = (p_o - p_e) / (1 - p_e);

  let diagonal = 0;
  let offDiagonal = 0;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      if (i === j) diagonal += p[i]![i]! * (1 - (rows[i]! + columns[i]!) * (1 - kappa)) ** 2;
      else offDiagonal += p[i]![j]! * (columns[i]! + rows[j]!) ** 2;
    }
  }
  const variance = (diagonal + (1 - kappa) ** 2 * offDiagonal - (kappa - p_e * (1 - kappa)) ** 2) / (n * (1 - p_e) ** 2);
  const se = Math.sqrt(Math.max(0, variance));
  const z = normalQuantile(1 - (1 - confidence) / 2);

  const nullVariance = (p_e + p_e * p_e - rows.reduce((sum, r, i) => sum + r * columns[i]! * (r + columns[i]!), 0)) / (n * (1 - p_e) ** 2);
  const p_value = nullVariance > 0 ? Math.min(1, 2 * normalUpperTail(Math.abs(kappa) / Math.sqrt(nullVariance))) : null;
  return {
    kappa,
    p_o,
    p_e,
    n,
    se,
    low: Math.max(-1, kappa - z * se),
    high: Math.min(1, kappa + z * se),
    p_value,
    method: 'fleiss-cohen-everitt-1969',
  };
}
