import type { AppEnv } from '../../app-env';
import { Hono } from 'hono';
import { listBatches } from '../../db/batches-repository';
import { serviceContext, type AppDeps } from '../../deps';
import { validate } from '../../http/validation';
import { batchProgress, batchResults, cancelBatch, resumeBatch, startBatch } from '../../services/batches';
import { batchBodySchema, batchResultsQuerySchema } from './batch-schemas';
import { idParamSchema } from './schemas';

export function batchRoutes(deps: AppDeps) {
  const ctx = serviceContext(deps);
  return new Hono<AppEnv>()
    .post('/', validate('json', batchBodySchema), async (c) => {
      const progress = await startBatch(ctx, c.req.valid('json'));
      return c.json(progress, 202, { location: `/api/v1/batches/${progress.id}` });
    })
    .get('/', async (c) => {
      const rows = await listBatches(ctx.db);
      return c.json({ batches: await Promise.all(rows.map((row) => batchProgress(ctx, row.batch.groupId))) });
    })
    .get('/:id', validate('param', idParamSchema), async (c) => c.json(await batchProgress(ctx, c.req.valid('param').id)))
    .get('/:id/results', validate('param', idParamSchema), validate('query', batchResultsQuerySchema), async (c) => {
      const { offset, limit } = c.req.valid('query');
      return c.json(await batchResults(ctx, c.req.valid('param').id, offset, limit));
    })
    .post('/:id/cancel', validate('param', idParamSchema), async (c) => c.json(await cancelBatch(ctx, c.req.valid('param').id)))
    .post('/:id/resume', validate('param', idParamSchema), async (c) =>
      c.json(await resumeBatch(ctx, c.req.valid('param').id), 202),
    );
}
