// /api/v1/studies: studies (items × targets × samples) run in the background, their progress and answers.
import type { Context } from 'hono';
import { z } from 'zod';
import { serviceContext, type AppDeps } from '../deps';
import { AppError } from '../errors';
import { cancelStudy, listStudies, resumeStudy, startStudy, studyProgress, studyResults } from './service';
import { studyProgressSchema, studyResultsSchema } from '../schemas/study-progress-responses';
import { studiesQuerySchema, studyBodySchema, studyResultsQuerySchema } from '../schemas/study-requests';
import { readStudyJson } from './study-body';
import { apiRouter, collectionPath, createRoute, errors, json } from '../api/contract';
import { nextCursor } from '../schemas/call-responses';
import { idParamSchema } from '../schemas/requests';

/** What the validator of a JSON route would take (zod-openapi's own test). */
export const JSON_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;
const { $schema: _dialect, ...studyBodyDocument } = z.toJSONSchema(studyBodySchema, { io: 'input', unrepresentable: 'any' });
export const STUDY_BODY_DOCUMENT = studyBodyDocument as Record<string, unknown> as { type: 'object' };

const accepted = (description: string) => ({
  ...json(studyProgressSchema, description),
  headers: z.object({ location: z.string().meta({ description: 'The study: GET it for progress' }) }),
});

const routes = {
  start: createRoute({
    method: 'post',
    path: '/',
    tags: ['Studies'],
    summary: 'Start a study: items × targets (× sweep combinations) × samples, run in the background',
    description:
      'Items may carry `expected` (a string, a number, or a list of acceptable answers) and `fields` (for slicing). ' +
      '`sweep` expands every target once per combination of the grid; `scorers` are kept for POST /score. ' +
      'Every task is created before the answer; the tasks run in the background, each call captured.',
    // Documented from studyBodySchema, but not validated by the route's validator: a 30 MB study
    // checked in one go held the event loop for seconds. The handler reads it a slice at a time.
    request: { body: { required: true, content: { 'application/json': { schema: STUDY_BODY_DOCUMENT } } } },
    responses: { 202: accepted('Created and started'), ...errors(400, 415) },
  }),
  list: createRoute({
    method: 'get',
    path: '/',
    tags: ['Studies'],
    summary: 'Studies, newest first, with their progress',
    request: { query: studiesQuerySchema },
    responses: {
      200: json(
        z.strictObject({
          studies: z.array(studyProgressSchema),
          batches: z.array(studyProgressSchema).meta({ deprecated: true, description: 'The same page of studies, under their first name' }),
          next_cursor: nextCursor,
        }),
        'A page of studies',
      ),
      ...errors(400),
    },
  }),
  progress: createRoute({
    method: 'get',
    path: '/{id}',
    tags: ['Studies'],
    summary: 'Progress: total, done, failed, pending, running, rate, ETA, targets',
    request: { params: idParamSchema },
    responses: { 200: json(studyProgressSchema, 'The study'), ...errors(400, 404) },
  }),
  results: createRoute({
    method: 'get',
    path: '/{id}/results',
    tags: ['Studies'],
    summary: 'Per item × target: the distinct answers with counts',
    request: { params: idParamSchema, query: studyResultsQuerySchema },
    responses: { 200: json(studyResultsSchema, 'A page of item × target cells'), ...errors(400, 404) },
  }),
  cancel: createRoute({
    method: 'post',
    path: '/{id}/cancel',
    tags: ['Studies'],
    summary: 'Cancel: no new task starts; tasks in flight are captured',
    request: { params: idParamSchema },
    responses: { 200: json(studyProgressSchema, 'The study, cancelling or cancelled'), ...errors(400, 404, 409) },
  }),
  resume: createRoute({
    method: 'post',
    path: '/{id}/resume',
    tags: ['Studies'],
    summary: 'Run every task without a success row again, as a new run (one server wins a race)',
    request: { params: idParamSchema },
    responses: { 202: accepted('Running again'), ...errors(400, 404, 409) },
  }),
};

export function studyRoutes(deps: AppDeps) {
  const ctx = serviceContext(deps);
  const location = (c: Context, id: number) => ({ location: `${collectionPath(c)}/${id}` });
  return apiRouter()
    .openapi(routes.start, async (c) => {
      if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
        throw new AppError(415, 'unsupported_media_type', 'Send the study as JSON, with Content-Type: application/json');
      }
      const progress = await startStudy(ctx, await readStudyJson(await c.req.text()));
      return c.json(progress, 202, location(c, progress.id));
    })
    .openapi(routes.list, async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const page = await listStudies(ctx, limit, cursor);
      return c.json({ studies: page.studies, batches: page.studies, next_cursor: page.nextCursor }, 200);
    })
    .openapi(routes.progress, async (c) => c.json(await studyProgress(ctx, c.req.valid('param').id), 200))
    .openapi(routes.results, async (c) => {
      const { offset, limit } = c.req.valid('query');
      return c.json(await studyResults(ctx, c.req.valid('param').id, offset, limit), 200);
    })
    .openapi(routes.cancel, async (c) => c.json(await cancelStudy(ctx, c.req.valid('param').id), 200))
    .openapi(routes.resume, async (c) => {
      const id = c.req.valid('param').id;
      return c.json(await resumeStudy(ctx, id), 202, location(c, id));
    });
}
