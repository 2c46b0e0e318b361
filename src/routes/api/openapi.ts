// The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with.
import { Hono } from 'hono';
import { z } from 'zod';
import pkg from '../../../package.json' with { type: 'json' };
import {
  analyticsQuerySchema,
  callsQuerySchema,
  embeddingsBodySchema,
  exportQuerySchema,
  inferenceBodySchema,
  priceBodySchema,
  pricesQuerySchema,
  recentQuerySchema,
  searchQuerySchema,
  similarBodySchema,
  timeseriesQuerySchema,
} from './schemas';
import { studyPaths } from './openapi-studies';

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

function queryParameters(schema: z.ZodObject) {
  const properties = (jsonSchema(schema) as { properties?: Record<string, unknown> }).properties ?? {};
  return Object.entries(properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
}

const errorResponse = {
  description: 'Error: {error: {code, message, details?}}',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            required: ['code', 'message'],
          },
        },
      },
    },
  },
};
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };

export function buildOpenApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Study Query LLM API',
      version: pkg.version,
      description: 'Every LLM call captured, success or failure. Errors are {error: {code, message, details?}}.',
    },
    components: { responses: { Error: errorResponse } },
    paths: {
      '/api/v1/health': { get: { summary: 'Liveness and database check', responses: { 200: ok('{ok, db, version}') } } },
      '/api/v1/providers': {
        get: { summary: 'Configured providers and their models', responses: { 200: ok('{providers: [...]}') } },
      },
      '/api/v1/inference': {
        post: {
          summary: 'Run a prompt (optionally n samples) and capture every call',
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(inferenceBodySchema) } } },
          responses: { 200: ok('{calls: [{id, status, text, provider, model, tokens, latency_ms}]}'), 400: errorResponse, 404: errorResponse },
        },
      },
      '/api/v1/calls': {
        get: {
          summary: 'Captured calls, newest first, with filters and a keyset cursor',
          parameters: queryParameters(callsQuerySchema),
          responses: { 200: ok('{calls: [...], next_cursor}'), 400: errorResponse },
        },
      },
      '/api/v1/calls/{id}': {
        get: {
          summary: 'One captured call with its full request, response and error JSON',
          parameters: [idParameter],
          responses: { 200: ok('{call}'), 404: errorResponse },
        },
      },
      ...embeddingAndExportPaths(),
      ...studyPaths(),
      '/api/v1/analytics/summary': {
        get: {
          summary: 'Totals over whole UTC days: calls, failures, tokens, cost at the price in force (unpriced calls counted apart)',
          parameters: queryParameters(analyticsQuerySchema),
          responses: { 200: ok('{window, calls, success, failed, failure_rate, prompt_tokens, completion_tokens, total_tokens, cost_usd, priced_calls, unpriced_calls, providers, models}'), 400: errorResponse },
        },
      },
      '/api/v1/analytics/providers': {
        get: {
          summary: 'Per provider/model: calls, failure rate, avg/p50/p95 latency, tokens, cost',
          parameters: queryParameters(analyticsQuerySchema),
          responses: { 200: ok('{window, latency_percentiles, models: [...]}'), 400: errorResponse },
        },
      },
      '/api/v1/analytics/timeseries': {
        get: {
          summary: 'Calls, failures, tokens and avg latency per minute, hour or day (empty buckets as zeros)',
          parameters: queryParameters(timeseriesQuerySchema),
          responses: { 200: ok('{bucket, days, window, points: [{t, calls, success, failed, total_tokens, avg_latency_ms}]}'), 400: errorResponse },
        },
      },
      '/api/v1/analytics/recent': {
        get: {
          summary: 'The newest calls, priced at the price in force when each was made',
          parameters: queryParameters(recentQuerySchema),
          responses: { 200: ok('{calls: [...]}'), 400: errorResponse },
        },
      },
      '/api/v1/search': {
        get: {
          summary: 'Full-text search over prompts, responses and errors (all words must match; no query syntax)',
          parameters: queryParameters(searchQuerySchema),
          responses: { 200: ok('{q, order, results: [{id, provider, model, status, created_at, matches: [{field, snippet: [{text, match}]}]}]}'), 400: errorResponse },
        },
      },
      '/api/v1/prices': {
        get: {
          summary: 'Every price version (USD per million tokens), newest first per provider/model',
          parameters: queryParameters(pricesQuerySchema),
          responses: { 200: ok('{prices: [...]}'), 400: errorResponse },
        },
        post: {
          summary: 'Add a price version; the same provider, model and effective_from corrects it',
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(priceBodySchema) } } },
          responses: { 201: ok('{price, created: true}'), 200: ok('{price, created: false}'), 400: errorResponse },
        },
      },
    },
  };
}

export function openApiRoutes() {
  const document = buildOpenApiDocument();
  return new Hono().get('/', (c) => c.json(document));
}

const embeddingItem = {
  type: 'object',
  properties: {
    index: { type: 'integer', description: 'position in the request texts' },
    request_hash: { type: 'string', description: 'the cache key: SHA-256 of provider, model, normalized text, dimensions, encoding format' },
    status: { enum: ['success', 'failed'] },
    cached: { type: 'boolean', description: 'true: answered from the cache, no provider call' },
    call_id: { type: 'integer', description: 'the captured provider request that produced this vector (or failed)' },
    vector_id: { type: ['integer', 'null'] },
    dimension: { type: ['integer', 'null'] },
    vector: { type: 'array', items: { type: 'number' }, description: 'only with return_vectors: true' },
    error: { type: 'object', properties: { class: { type: 'string' }, status: { type: ['integer', 'null'] }, message: { type: 'string' } } },
  },
  required: ['index', 'request_hash', 'status', 'cached', 'call_id', 'vector_id', 'dimension'],
};

const neighbor = {
  type: 'object',
  properties: {
    vector_id: { type: 'integer' },
    call_id: { type: 'integer' },
    request_hash: { type: 'string' },
    provider: { type: 'string' },
    model: { type: 'string' },
    dimension: { type: 'integer' },
    text: { type: ['string', 'null'] },
    distance: { type: 'number', description: 'cosine distance, 1 − cosine similarity (0 = same direction)' },
  },
};

const jsonResponse = (description: string, schema: Record<string, unknown>) => ({ description, content: { 'application/json': { schema } } });

function embeddingAndExportPaths() {
  const exportParameters = queryParameters(exportQuerySchema).map((p) => (p.name === 'format' ? { ...p, required: true } : p));
  return {
    '/api/v1/embeddings': {
      post: {
        summary: 'Embed texts through the deterministic cache',
        description:
          'Texts are normalized (null bytes removed, whitespace trimmed; empty is a 400). A cached text makes no provider call. ' +
          'The misses are de-duplicated (a text repeated in one request is sent once; every repeat reports the same vector_id and ' +
          'call_id) and sent in as few provider requests as the provider input limit allows; the first request ' +
          'for a new (provider, model) carries one text as a deployment probe, and a missing deployment is remembered (400 ' +
          'deployment_not_found without a provider call). Every provider request is one captured raw_calls row. A failed request ' +
          'marks its texts (and the texts not sent after it) failed with its call_id; the response is still 200.',
        requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(embeddingsBodySchema) } } },
        responses: {
          200: jsonResponse('Per-text results, in request order', {
            type: 'object',
            properties: {
              provider: { type: 'string' },
              model: { type: 'string' },
              embeddings: { type: 'array', items: embeddingItem },
              cached: { type: 'integer' },
              embedded: { type: 'integer' },
              failed: { type: 'integer' },
              provider_requests: { type: 'integer', description: 'provider requests this call made' },
            },
          }),
          400: errorResponse,
          404: errorResponse,
        },
      },
    },
    '/api/v1/embeddings/similar': {
      post: {
        summary: 'Nearest cached neighbours of a text or a vector (libSQL vector index, cosine)',
        description:
          'Searches the cached embeddings of one model and dimension. A text is embedded through the cache first (provider ' +
          'required) and its own cache entry is left out of the results; group_id limits the search to the embeddings that group used.',
        requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(similarBodySchema) } } },
        responses: {
          200: jsonResponse('{model, dimension, k, query, neighbors}', {
            type: 'object',
            properties: {
              model: { type: 'string' },
              dimension: { type: 'integer' },
              k: { type: 'integer' },
              query: { oneOf: [embeddingItem, { type: 'null' }] },
              neighbors: { type: 'array', items: neighbor },
            },
          }),
          400: errorResponse,
          404: errorResponse,
          502: errorResponse,
        },
      },
    },
    '/api/v1/calls/export': {
      get: {
        summary: 'Every call matching the call-list filters, streamed as CSV or JSONL (oldest first)',
        parameters: exportParameters,
        responses: {
          200: {
            description: 'An attachment: CSV with a header row, or one JSON call per line',
            content: { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { type: 'string' } } },
          },
          400: errorResponse,
        },
      },
    },
  };
}
