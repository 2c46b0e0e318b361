// POST /api/v1/embeddings (cached embeddings) and POST /api/v1/embeddings/similar (nearest neighbours).
import { Hono } from 'hono';
import type { AppDeps } from '../../deps';
import { validate } from '../../http/validation';
import { embeddingsBodySchema, similarBodySchema } from './schemas';
import type { AppEnv } from '../../app-env';

export function embeddingRoutes(deps: AppDeps) {
  const { embeddings } = deps;
  return new Hono<AppEnv>()
    .post('/', validate('json', embeddingsBodySchema), async (c) => c.json(await embeddings.embed(c.req.valid('json'))))
    .post('/similar', validate('json', similarBodySchema), async (c) => c.json(await embeddings.similar(c.req.valid('json'))));
}
