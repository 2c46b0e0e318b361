// /api/v1/analytics/*, /api/v1/search and /api/v1/prices: the dashboard's data as JSON.
import { Hono } from 'hono';
import { serviceContext, type AppDeps } from '../../deps';
import { validate } from '../../http/validation';
import { analyticsSummary, providerComparison, recentActivity, searchAll, timeSeries } from '../../services/analytics';
import { listPrices, savePrice } from '../../services/prices';
import {
  analyticsQuerySchema,
  priceBodySchema,
  pricesQuerySchema,
  recentQuerySchema,
  searchQuerySchema,
  timeseriesQuerySchema,
} from './schemas';
import type { AppEnv } from '../../app-env';

export function analyticsRoutes(deps: AppDeps) {
  const ctx = serviceContext(deps);
  return new Hono<AppEnv>()
    .get('/summary', validate('query', analyticsQuerySchema), async (c) => c.json(await analyticsSummary(ctx, c.req.valid('query'))))
    .get('/providers', validate('query', analyticsQuerySchema), async (c) => c.json(await providerComparison(ctx, c.req.valid('query'))))
    .get('/timeseries', validate('query', timeseriesQuerySchema), async (c) => c.json(await timeSeries(ctx, c.req.valid('query'))))
    .get('/recent', validate('query', recentQuerySchema), async (c) => c.json({ calls: await recentActivity(ctx, c.req.valid('query').limit) }));
}

export function searchRoutes(deps: AppDeps) {
  const ctx = serviceContext(deps);
  return new Hono<AppEnv>().get('/', validate('query', searchQuerySchema), async (c) => {
    const query = c.req.valid('query');
    return c.json({ q: query.q, order: query.order, results: await searchAll(ctx, query) });
  });
}

export function priceRoutes(deps: AppDeps) {
  const ctx = serviceContext(deps);
  return new Hono<AppEnv>()
    .get('/', validate('query', pricesQuerySchema), async (c) => c.json({ prices: await listPrices(ctx, c.req.valid('query')) }))
    .post('/', validate('json', priceBodySchema), async (c) => {
      const { price, created } = await savePrice(ctx, c.req.valid('json'));
      return c.json({ price, created }, created ? 201 : 200);
    });
}
