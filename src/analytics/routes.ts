// /api/v1/analytics/*, /api/v1/search and /api/v1/prices: the dashboard's data as JSON.
import { z } from 'zod';
import { serviceContext, type AppDeps } from '../deps';
import { analyticsSummary, providerComparison, recentActivity, searchAll, timeSeries } from './service';
import { listPrices, savePrice } from './prices';
import { apiRouter, createRoute, errors, json, jsonBody } from '../api/contract';
import {
  analyticsQuerySchema,
  priceBodySchema,
  pricesQuerySchema,
  recentQuerySchema,
  searchQuerySchema,
  timeseriesQuerySchema,
} from '../schemas/requests';

const STATUS = z.enum(['success', 'failed']);

const windowSchema = z
  .strictObject({ from: z.string().nullable(), to: z.string().nullable() })
  .meta({ id: 'Window', description: 'Whole UTC days, both inclusive; null: unbounded' });

const usageFields = {
  calls: z.int(),
  success: z.int(),
  failed: z.int(),
  failure_rate: z.number().nullable().meta({ description: 'failed / calls; null without calls' }),
  avg_latency_ms: z.number().nullable(),
  prompt_tokens: z.int(),
  completion_tokens: z.int(),
  total_tokens: z.int(),
  cost_usd: z.number().nullable().meta({ description: 'At the price in force when each call was made; null when none could be priced' }),
  priced_calls: z.int(),
  unpriced_calls: z.int(),
};

const summarySchema = z.strictObject({ window: windowSchema, ...usageFields, providers: z.int(), models: z.int() });

const comparisonSchema = z.strictObject({
  window: windowSchema,
  latency_percentiles: z.string().meta({ description: 'How p50/p95 were computed' }),
  models: z.array(
    z.strictObject({
      provider: z.string(),
      model: z.string(),
      ...usageFields,
      p50_latency_ms: z.number().nullable(),
      p95_latency_ms: z.number().nullable(),
    }),
  ),
});

const seriesSchema = z.strictObject({
  bucket: z.enum(['minute', 'hour', 'day']),
  days: z.int(),
  window: windowSchema,
  points: z.array(
    z.strictObject({
      t: z.string().meta({ description: 'Start of the bucket (ISO 8601, UTC)' }),
      calls: z.int(),
      success: z.int(),
      failed: z.int(),
      total_tokens: z.int(),
      avg_latency_ms: z.number().nullable(),
    }),
  ),
});

const recentSchema = z.strictObject({
  calls: z.array(
    z.strictObject({
      id: z.int(),
      provider: z.string(),
      model: z.string(),
      modality: z.string(),
      status: STATUS,
      latency_ms: z.number().nullable(),
      total_tokens: z.int().nullable(),
      cost_usd: z.number().nullable(),
      created_at: z.string(),
      prompt_preview: z.string().nullable(),
      error_message: z.string().nullable(),
      priced: z.boolean(),
    }),
  ),
});

const searchSchema = z.strictObject({
  q: z.string(),
  order: z.enum(['newest', 'relevance']),
  results: z.array(
    z.strictObject({
      id: z.int(),
      provider: z.string(),
      model: z.string(),
      status: STATUS,
      created_at: z.string(),
      matches: z.array(
        z.strictObject({
          field: z.enum(['prompt', 'response', 'error']),
          snippet: z.array(z.strictObject({ text: z.string(), match: z.boolean() })),
        }),
      ),
    }),
  ),
});

const priceSchema = z
  .strictObject({
    id: z.int(),
    provider: z.string(),
    model: z.string(),
    input_usd_per_million: z.number(),
    output_usd_per_million: z.number(),
    effective_from: z.string(),
    created_at: z.string(),
    in_force: z.boolean().optional().meta({ description: 'Listed prices: whether this version applies today' }),
  })
  .meta({ id: 'Price' });

const routes = {
  summary: createRoute({
    method: 'get',
    path: '/summary',
    tags: ['Analytics'],
    summary: 'Totals over whole UTC days: calls, failures, tokens, cost at the price in force (unpriced calls counted apart)',
    request: { query: analyticsQuerySchema },
    responses: { 200: json(summarySchema, 'Totals'), ...errors(400) },
  }),
  providers: createRoute({
    method: 'get',
    path: '/providers',
    tags: ['Analytics'],
    summary: 'Per provider/model: calls, failure rate, average/p50/p95 latency, tokens, cost',
    request: { query: analyticsQuerySchema },
    responses: { 200: json(comparisonSchema, 'One row per provider/model'), ...errors(400) },
  }),
  timeseries: createRoute({
    method: 'get',
    path: '/timeseries',
    tags: ['Analytics'],
    summary: 'Calls, failures, tokens and average latency per minute, hour or day (empty buckets as zeros)',
    request: { query: timeseriesQuerySchema },
    responses: { 200: json(seriesSchema, 'Every bucket of the window'), ...errors(400) },
  }),
  recent: createRoute({
    method: 'get',
    path: '/recent',
    tags: ['Analytics'],
    summary: 'The newest calls, priced at the price in force when each was made',
    request: { query: recentQuerySchema },
    responses: { 200: json(recentSchema, 'Newest first'), ...errors(400) },
  }),
  search: createRoute({
    method: 'get',
    path: '/',
    tags: ['Analytics'],
    summary: 'Full-text search over prompts, responses and errors (all words must match; no query syntax)',
    request: { query: searchQuerySchema },
    responses: { 200: json(searchSchema, 'Matching calls with highlighted snippets'), ...errors(400) },
  }),
  listPrices: createRoute({
    method: 'get',
    path: '/',
    tags: ['Prices'],
    summary: 'Every price version (USD per million tokens), newest first per provider/model',
    request: { query: pricesQuerySchema },
    responses: { 200: json(z.strictObject({ prices: z.array(priceSchema) }), 'Price versions'), ...errors(400) },
  }),
  savePrice: createRoute({
    method: 'post',
    path: '/',
    tags: ['Prices'],
    summary: 'Add a price version; the same provider, model and effective_from corrects it',
    request: { body: jsonBody(priceBodySchema) },
    responses: {
      201: json(z.strictObject({ price: priceSchema, created: z.literal(true) }), 'A new version'),
      200: json(z.strictObject({ price: priceSchema, created: z.literal(false) }), 'An existing version corrected'),
      ...errors(400, 415),
    },
  }),
};

export function analyticsRoutes(deps: AppDeps) {
  const ctx = serviceContext(deps);
  return apiRouter()
    .openapi(routes.summary, async (c) => c.json(await analyticsSummary(ctx, c.req.valid('query')), 200))
    .openapi(routes.providers, async (c) => c.json(await providerComparison(ctx, c.req.valid('query')), 200))
    .openapi(routes.timeseries, async (c) => c.json(await timeSeries(ctx, c.req.valid('query')), 200))
    .openapi(routes.recent, async (c) => c.json({ calls: await recentActivity(ctx, c.req.valid('query').limit) }, 200));
}

export function searchRoutes(deps: AppDeps) {
  const ctx = serviceContext(deps);
  return apiRouter().openapi(routes.search, async (c) => {
    const query = c.req.valid('query');
    return c.json({ q: query.q, order: query.order, results: await searchAll(ctx, query) }, 200);
  });
}

export function priceRoutes(deps: AppDeps) {
  const ctx = serviceContext(deps);
  return apiRouter()
    .openapi(routes.listPrices, async (c) => c.json({ prices: await listPrices(ctx, c.req.valid('query')) }, 200))
    .openapi(routes.savePrice, async (c) => {
      const { price, created } = await savePrice(ctx, c.req.valid('json'));
      return created ? c.json({ price, created: true as const }, 201) : c.json({ price, created: false as const }, 200);
    });
}
