import { Hono } from 'hono';
import { inferenceContext, type AppDeps } from '../../deps';
import { validate } from '../../http/validation';
import { runInference } from '../../services/inference';
import { inferenceBodySchema } from './schemas';
import type { AppEnv } from '../../app-env';

export function inferenceRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().post('/', validate('json', inferenceBodySchema), async (c) => {
    const calls = await runInference(inferenceContext(deps), c.req.valid('json'), { requestId: c.get('requestId') });
    return c.json({ calls });
  });
}
