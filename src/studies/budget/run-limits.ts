// What a study's progress says of its dry run and its spending cap.
import type { JsonObject } from '../../db/schema';

export function studyRunLimits(study: { optionsJson: JsonObject; budgetUsd: number | null; spentUsd: number; reservedUsd: number }) {
  const dryRun = study.optionsJson.dry_run as { items: number; of_items: number } | undefined;
  const usd = (value: number) => Math.round(value * 1e6) / 1e6;
  return {
    dry_run: dryRun ? { items: dryRun.items, of_items: dryRun.of_items } : null,
    budget: {
      budget_usd: study.budgetUsd,
      spent_usd: usd(study.spentUsd),
      reserved_usd: usd(study.reservedUsd),
      remaining_usd: study.budgetUsd === null ? null : usd(Math.max(0, study.budgetUsd - study.spentUsd - study.reservedUsd)),
    },
  };
}
