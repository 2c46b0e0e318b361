// A call's scores and its human label: GET/POST /api/v1/calls/:id/scores.
import type { AppEnv } from '../../app-env';
import { Hono } from 'hono';
import type { AppDeps } from '../../deps';
import { sessionOf } from '../../http/access';
import { validate } from '../../http/validation';
import { callScores, labelCall } from '../../services/human-labels';
import { humanLabelBodySchema } from './batch-schemas';
import { idParamSchema } from './schemas';

export function callScoreRoutes(deps: AppDeps) {
  const db = deps.database.db;
  return new Hono<AppEnv>()
    .get('/:id/scores', validate('param', idParamSchema), async (c) => c.json(await callScores(db, c.req.valid('param').id)))
    .post('/:id/scores', validate('param', idParamSchema), validate('json', humanLabelBodySchema), async (c) =>
      c.json(await labelCall(db, c.req.valid('param').id, c.req.valid('json'), sessionOf(c)), 201),
    );
}
