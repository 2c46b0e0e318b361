// /api/v1/studies/:id/drift: did the answers move between two runs of a study (and the deprecated /batches alias).
import type { AppDeps } from '../../deps';
import { apiRouter, createRoute, errors, json } from '../../api/contract';
import { idParamSchema } from '../../schemas/requests';
import { driftQuerySchema, driftReportSchema } from '../../schemas/study-drift';
import { computeDrift } from './service';

const routes = {
  drift: createRoute({
    method: 'get',
    path: '/{id}/drift',
    tags: ['Studies'],
    summary: 'Drift against an earlier run: per item × target whether the answers moved, per target the change in accuracy and in served model',
    description:
      'Targets are matched by index and items by key (a warning names any difference; the shared keys are compared). ' +
      'Per item × target: a test of whether the distribution of answers moved — Fisher or Freeman–Halton exact for small ' +
      'counts (Monte Carlo when the exact test is too large), Pearson χ² when every expected count is at least 5 — with ' +
      'Benjamini–Hochberg q-values over every tested cell and the total variation distance; drifted where q < 0.05. ' +
      'Answers are those the scorer compared; format failures (nothing extracted) and errors (failed calls) are categories ' +
      'of their own. Per target: the accuracy change paired by item (this study − baseline) with its 95% interval and ' +
      'p-value, and the models and system fingerprints the provider reported serving in each run.',
    request: { params: idParamSchema, query: driftQuerySchema },
    responses: { 200: json(driftReportSchema, 'The drift report, with a page of item × target cells'), ...errors(400, 404) },
  }),
};

export function studyDriftRoutes(deps: AppDeps) {
  const db = deps.database.db;
  return apiRouter().openapi(routes.drift, async (c) => {
    const { baseline, ...options } = c.req.valid('query');
    return c.json(deps.scrub(await computeDrift(db, c.req.valid('param').id, baseline, options)), 200);
  });
}
