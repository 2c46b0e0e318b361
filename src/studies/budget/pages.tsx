// Page route of the study page's "Raise cap" form: the new cap, then the study resumed (when it was stopped).
import { Hono } from 'hono';
import type { AppEnv } from '../../app-env';
import { serviceContext, type AppDeps } from '../../deps';
import { AppError } from '../../errors';
import { field, readForm } from '../../pages/form-input';
import { idParamSchema } from '../../schemas/requests';
import { budgetUsdSchema } from '../../schemas/study-requests';
import { resumeStudy } from '../service';
import { changeStudyBudget } from './budget-service';

export function studyBudgetPages(deps: AppDeps) {
  const ctx = serviceContext(deps);
  return new Hono<AppEnv>().post('/studies/:id/budget', async (c) => {
    const id = idParamSchema.safeParse({ id: c.req.param('id') });
    if (!id.success) throw new AppError(404, 'not_found', 'no such study');
    const budget = budgetUsdSchema.safeParse(Number(field(await readForm(c), 'budget_usd') || Number.NaN));
    if (!budget.success) throw new AppError(400, 'invalid_request', 'budget_usd: give the new cap in USD, a number above 0', [{ path: 'budget_usd', message: 'a number above 0' }]);
    const study = await changeStudyBudget(ctx, id.data.id, budget.data);
    if (study.status === 'interrupted') await resumeStudy(ctx, id.data.id);
    return c.redirect(`/studies/${id.data.id}`, 303);
  });
}
