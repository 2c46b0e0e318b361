// /api/v1/studies/estimate and /api/v1/studies/{id}/budget: what a study would cost before it runs,
// and its spending cap.
import { serviceContext, type AppDeps } from '../../deps';
import { AppError } from '../../errors';
import { apiRouter, createRoute, errors, json, jsonBody } from '../../api/contract';
import { idParamSchema } from '../../schemas/requests';
import { studyBudgetBodySchema } from '../../schemas/study-requests';
import { studyEstimateSchema } from '../../schemas/study-budget-responses';
import { studyProgressSchema } from '../../schemas/study-progress-responses';
import { JSON_TYPE, STUDY_BODY_DOCUMENT } from '../routes';
import { readStudyJson } from '../study-body';
import { estimateStudy } from './estimate';
import { HISTORY_CALLS } from './history-repository';
import { DEFAULT_LATENCY_MS, DEFAULT_OUTPUT_TOKENS } from './task-cost';
import { changeStudyBudget } from './budget-service';

const routes = {
  estimate: createRoute({
    method: 'post',
    path: '/estimate',
    tags: ['Studies'],
    summary: 'Estimate a study before running it: tasks, tokens, cost and time (nothing stored, no provider called)',
    description:
      'Takes the body POST /api/v1/studies takes, checked the same way. Input tokens: UTF-8 bytes of each filled-in prompt / 4. ' +
      `Output tokens per target: the mean of its model's successful calls among its latest ${HISTORY_CALLS} captured (\`basis: history\`, never above max_tokens), else its max_tokens, else ${DEFAULT_OUTPUT_TOKENS} (\`default\`). ` +
      `Cost at the prices in force now (null, with a reason, for a model without a price). Time: tasks × mean captured latency (${DEFAULT_LATENCY_MS} ms without history) / concurrency.`,
    request: { body: { required: true, content: { 'application/json': { schema: STUDY_BODY_DOCUMENT } } } },
    responses: { 200: json(studyEstimateSchema, 'The estimate'), ...errors(400, 415) },
  }),
  budget: createRoute({
    method: 'post',
    path: '/{id}/budget',
    tags: ['Studies'],
    summary: 'Set (raise) or remove the spending cap; a study stopped at its cap runs on after POST /resume',
    request: { params: idParamSchema, body: jsonBody(studyBudgetBodySchema) },
    responses: { 200: json(studyProgressSchema, 'The study, with its budget'), ...errors(400, 404, 409) },
  }),
};

export function studyBudgetRoutes(deps: AppDeps) {
  const ctx = serviceContext(deps);
  return apiRouter()
    .openapi(routes.estimate, async (c) => {
      if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
        throw new AppError(415, 'unsupported_media_type', 'Send the study as JSON, with Content-Type: application/json');
      }
      const estimate = await estimateStudy(ctx, await readStudyJson(await c.req.text()));
      return c.json(estimate, 200);
    })
    .openapi(routes.budget, async (c) => {
      const { budget_usd } = c.req.valid('json');
      return c.json(await changeStudyBudget(ctx, c.req.valid('param').id, budget_usd), 200);
    });
}
