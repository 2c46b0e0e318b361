// Setting a study's spending cap: raise it (then resume) after the study stopped at it, or remove it.
import { ACTIVE_STATUSES } from '../runner/runs-repository';
import { getStudy } from '../repository';
import { studyProgress, type StudyContext } from '../service';
import { AppError, notFound } from '../../errors';
import { setStudyBudget } from './budget-repository';
import { checkBudgetPriced } from './estimate';

export async function changeStudyBudget(ctx: StudyContext, studyId: number, budgetUsd: number | null) {
  const found = await getStudy(ctx.db, studyId);
  if (!found) throw notFound('study', studyId);
  if (budgetUsd !== null) {
    await checkBudgetPriced(ctx, found.study.targetsJson);
    // A run started without a cap prices none of its tasks: the cap applies from its next run.
    const { status } = await studyProgress(ctx, studyId);
    if (found.study.budgetUsd === null && (ACTIVE_STATUSES as readonly string[]).includes(status)) {
      throw new AppError(409, 'conflict', `study ${studyId} is running without a cap: cancel it, set budget_usd, then resume it`);
    }
  }
  if (!(await setStudyBudget(ctx.db, studyId, budgetUsd))) {
    throw new AppError(409, 'conflict', `study ${studyId} is running without a cap: cancel it, set budget_usd, then resume it`);
  }
  return studyProgress(ctx, studyId);
}
