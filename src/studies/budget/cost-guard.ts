// The spending cap as the runners apply it: each task of a capped study is reserved at its estimated
// cost (cost-plan.ts) before it starts, in one conditional UPDATE, and given back once its call is
// captured (by then its real cost is in the spend). A task the cap has no room for does not start.
import type { StudyTarget } from '../../db/schema';
import { clearStudyReservations, releaseStudyCost, reserveStudyCost } from './budget-repository';
import { taskCostPlan, type PricingContext, type TaskCost } from './cost-plan';

/** The status_reason of a study stopped by its cap. */
export const BUDGET_REASON = 'budget';

export interface CostGuard {
  /** Runs the task once its cost is reserved: false (and nothing run) when the cap has no room for it. */
  run(task: Parameters<TaskCost>[0], call: () => Promise<unknown>): Promise<boolean>;
}

/** The guard of a study's run, or undefined for a study without a cap. */
export async function costGuard(
  ctx: PricingContext,
  study: { groupId: number; budgetUsd: number | null; targetsJson: StudyTarget[]; template: string | null; optionsJson: Record<string, unknown> },
  options: { newRun?: boolean } = {},
): Promise<CostGuard | undefined> {
  if (study.budgetUsd === null) return undefined;
  const costOf = await taskCostPlan(ctx, study);
  if (options.newRun) await clearStudyReservations(ctx.db, study.groupId);
  return {
    async run(task, call) {
      const usd = costOf(task);
      if (!(await reserveStudyCost(ctx.db, study.groupId, usd))) return false;
      try {
        await call();
      } finally {
        await releaseStudyCost(ctx.db, study.groupId, usd);
      }
      return true;
    },
  };
}
