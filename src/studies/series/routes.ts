// POST /api/v1/studies/:id/rerun: a new run of a stored study (same items, prompts, scorers).
import { z } from 'zod';
import { serviceContext, type AppDeps } from '../../deps';
import { AppError } from '../../errors';
import { validationError, withinJsonDepth } from '../../http/validation';
import { apiRouter, collectionPath, createRoute, errors, json, jsonBody } from '../../api/contract';
import { studyScheduleSchema } from '../../schemas/study-schedule';
import { setStudySchedule } from './schedules';
import { idParamSchema } from '../../schemas/requests';
import { rerunBodySchema, studyRunsSchema } from '../../schemas/study-rerun';
import { studyProgressSchema } from '../../schemas/study-progress-responses';
import { rerunStudy } from './reruns';
import { MAX_LISTED_RUNS, studyRuns } from './runs';

const JSON_TYPE = /^application\/([a-z-.]+\+)?json(;.*)?$/i;
const checkedBody = withinJsonDepth(rerunBodySchema);
const { $schema: _dialect, ...rerunBodyDocument } = z.toJSONSchema(rerunBodySchema, { io: 'input', unrepresentable: 'any' });
const RERUN_BODY_DOCUMENT = rerunBodyDocument as Record<string, unknown> as { type: 'object' };

const rerun = createRoute({
  method: 'post',
  path: '/{id}/rerun',
  tags: ['Studies'],
  summary: 'Run the study again as a new run: the same items, prompts, targets and scorers, its own tasks and calls',
  description:
    'The body is optional: `targets` and `samples` replace the study\'s for this run (bounded as a new study\'s are). ' +
    'The new run records the run it repeats (`rerun_of`) and the first run of the series (`series_id`); every run of a series is listed at GET /{id}/runs.',
  // Documented from rerunBodySchema but checked in the handler: an empty body (no overrides, whatever
  // its Content-Type) is the common case, which the route's JSON validator would refuse.
  request: { params: idParamSchema, body: { required: false, content: { 'application/json': { schema: RERUN_BODY_DOCUMENT } } } },
  responses: {
    202: {
      ...json(studyProgressSchema, 'The new run, created and started'),
      headers: z.object({ location: z.string().meta({ description: 'The new run: GET it for progress' }) }),
    },
    ...errors(400, 404, 409, 415),
  },
});

const runs = createRoute({
  method: 'get',
  path: '/{id}/runs',
  tags: ['Studies'],
  summary: "Every run of the study (its first run and its re-runs), newest first, each with its headline accuracy",
  request: { params: idParamSchema },
  responses: { 200: json(studyRunsSchema, `The runs (at most ${MAX_LISTED_RUNS})`), ...errors(400, 404) },
});

const schedule = createRoute({
  method: 'put',
  path: '/{id}/schedule',
  tags: ['Studies'],
  summary: 'Schedule the study (given any of its runs): it runs again every `every`, the first time a period from now',
  request: { params: idParamSchema, body: jsonBody(studyScheduleSchema) },
  responses: { 200: json(studyProgressSchema, "The study's first run, with its schedule"), ...errors(400, 404, 415) },
});

const unschedule = createRoute({
  method: 'delete',
  path: '/{id}/schedule',
  tags: ['Studies'],
  summary: 'Stop the study running on a schedule (runs already started go on)',
  request: { params: idParamSchema },
  responses: { 200: json(studyProgressSchema, "The study's first run, its schedule null"), ...errors(400, 404) },
});

export function seriesRoutes(deps: AppDeps) {
  const ctx = serviceContext(deps);
  return apiRouter()
    .openapi(runs, async (c) => c.json(await studyRuns(deps.database.db, c.req.valid('param').id), 200))
    .openapi(schedule, async (c) => c.json(await setStudySchedule(ctx, c.req.valid('param').id, c.req.valid('json')), 200))
    .openapi(unschedule, async (c) => c.json(await setStudySchedule(ctx, c.req.valid('param').id, null), 200))
    .openapi(rerun, async (c) => {
    const id = c.req.valid('param').id;
    const text = await c.req.text();
    let overrides = {};
    if (text.trim() !== '') {
      if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) throw new AppError(415, 'unsupported_media_type', 'Send the overrides as JSON, with Content-Type: application/json');
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new AppError(400, 'invalid_request', `body: not valid JSON (${(error as Error).message})`);
      }
      const parsed = checkedBody.safeParse(value);
      if (!parsed.success) throw validationError(parsed.error.issues, 'json');
      overrides = parsed.data;
    }
    const progress = await rerunStudy(ctx, id, overrides);
    return c.json(progress, 202, { location: `${collectionPath(c)}/${progress.id}` });
  });
}
