// POST /api/v1/studies/:id/clone: a new study with the same items and the setup of another, some of it changed.
import type { Context } from 'hono';
import { z } from 'zod';
import { serviceContext, type AppDeps } from '../../deps';
import { apiRouter, collectionPath, createRoute, errors, json } from '../../api/contract';
import { idParamSchema } from '../../schemas/requests';
import { cloneChangesSchema } from '../../schemas/study-requests';
import { studyProgressSchema } from '../../schemas/study-progress-responses';
import { cloneStudy } from './clone';

const clone = createRoute({
  method: 'post',
  path: '/{id}/clone',
  tags: ['Studies'],
  summary: 'Clone a study into a new one with the same items, optionally changing targets, template or prompts, samples, scorers or name',
  description:
    "Without a body the copy has the study's setup as it is. The copy is a new study (not a re-run): checked, bounded and started as POST /api/v1/studies would; " +
    'its progress names the study it was cloned from (`cloned_from`). A new `template` replaces the prompt variants and new `prompts` the template.',
  request: { params: idParamSchema, body: { required: false, content: { 'application/json': { schema: cloneChangesSchema } } } },
  responses: {
    202: {
      ...json(studyProgressSchema, 'Created and started: the new study'),
      headers: z.object({ location: z.string().meta({ description: 'The new study: GET it for progress' }) }),
    },
    ...errors(400, 404, 409, 415),
  },
});

export function cloneRoutes(deps: AppDeps) {
  const ctx = serviceContext(deps);
  const location = (c: Context, id: number) => ({ location: `${collectionPath(c)}/${id}` });
  return apiRouter().openapi(clone, async (c) => {
    // Without a JSON body (the body is optional) the validator leaves nothing: the study is copied as it is.
    const progress = await cloneStudy(ctx, c.req.valid('param').id, c.req.valid('json') ?? {});
    return c.json(progress, 202, location(c, progress.id));
  });
}
