// What a scheduled run's drift check sends: the drift report of the run against the run before it
// (studies/drift/), cut down to a summary — counts, each target's accuracy change with its interval,
// a changed served model, and the first items that moved.
import type { Database } from '../../db/client';
import { computeDrift } from '../drift/service';
import type { DriftSummary } from './drift-webhook';

/** Moved items named in one summary (the drift page lists them all). */
const LISTED_ITEMS = 20;

export const scheduledRunDrift =
  (db: Database): DriftSummary =>
  async (runId, baselineId) => {
    const report = await computeDrift(db, runId, baselineId, { drifted: true, limit: LISTED_ITEMS });
    const targets = report.targets.map((target) => {
      const change = target.accuracy_difference;
      return {
        target_index: target.target_index,
        label: target.label,
        accuracy_difference: { difference: change.difference, low: change.low, high: change.high },
        // Decided on the p-value: when every item changed alike the interval is the point itself, and the
        // sign test says whether that many items are evidence (2 items both changed: p = 0.5, no).
        accuracy_changed: change.p_value !== null && change.p_value < 0.05,
        cells_drifted: target.drifted,
        served_model_changed: target.served_model_changed,
      };
    });
    const drifted = report.cells_drifted > 0 || targets.some((target) => target.accuracy_changed || target.served_model_changed);
    return {
      drifted,
      summary: {
        scorer: report.scorer?.name ?? null,
        cells_tested: report.cells_tested,
        cells_drifted: report.cells_drifted,
        targets,
        items: report.items.rows.map((row) => ({ key: row.key, target_index: row.target_index, q_value: row.q_value, tvd: row.tvd })),
        warnings: report.warnings,
        drift_page: `/studies/${runId}/drift?baseline=${baselineId}`,
      },
    };
  };
