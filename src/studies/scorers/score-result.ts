// What every scorer says of one answer (its own module, so the deterministic and the model scorers share it without importing each other).
export interface ScoreResult {
  /** 1 or 0 for the pass/fail scorers, the similarity or the judge's score for the others; null when the answer could not be scored. */
  value: number | null;
  /**
   * A category to count answers by: the answer as compared (exact, normalized_exact, numeric),
   * the acceptable answer found (contains), the matched text (regex), "valid"/"invalid" (JSON),
   * the closest acceptable answer (semantic) or the judge's label or score.
   */
  label: string | null;
  /** Null when the answer could not be scored, or for a judge score without a pass threshold. */
  pass: boolean | null;
  detail: Record<string, unknown>;
}
