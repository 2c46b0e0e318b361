// POST /api/v1/embeddings (cached embeddings) and POST /api/v1/embeddings/similar (nearest neighbours).
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { apiRouter, createRoute, errors, json, jsonBody } from '../api/contract';
import { embeddingsBodySchema, similarBodySchema } from '../schemas/requests';

const embeddingItemFields = {
  index: z.int().meta({ description: 'Position in the request texts' }),
  request_hash: z.string().meta({ description: 'The cache key: SHA-256 of provider, model, normalized text, dimensions, encoding format' }),
  status: z.enum(['success', 'failed']),
  cached: z.boolean().meta({ description: 'Answered from the cache: no provider call' }),
  call_id: z.int().meta({ description: 'The captured provider request that produced this vector (or failed)' }),
  vector_id: z.int().nullable(),
  dimension: z.int().nullable(),
  error: z.strictObject({ class: z.string(), status: z.int().nullable(), message: z.string() }).optional(),
};

const embeddingItemSchema = z
  .strictObject({ ...embeddingItemFields, vector: z.array(z.number()).optional().meta({ description: 'Only with return_vectors: true' }) })
  .meta({ id: 'Embedding' });

const embedResultSchema = z.strictObject({
  provider: z.string(),
  model: z.string(),
  embeddings: z.array(embeddingItemSchema),
  cached: z.int(),
  embedded: z.int(),
  failed: z.int(),
  provider_requests: z.int().meta({ description: 'Provider requests this request made' }),
  prompt_tokens: z.int().meta({ description: 'Tokens the provider counted for the requests sent (cache hits cost none)' }),
});

const neighborSchema = z.strictObject({
  vector_id: z.int(),
  call_id: z.int(),
  request_hash: z.string(),
  provider: z.string(),
  model: z.string(),
  dimension: z.int(),
  text: z.string().nullable(),
  distance: z.number().meta({ description: 'Cosine distance, 1 − cosine similarity (0 = same direction)' }),
});

const similarResultSchema = z.strictObject({
  model: z.string(),
  dimension: z.int(),
  k: z.int(),
  query: z.strictObject(embeddingItemFields).nullable().meta({ description: 'The query text’s own embedding; null for a vector query' }),
  neighbors: z.array(neighborSchema),
});

const embed = createRoute({
  method: 'post',
  path: '/',
  tags: ['Embeddings'],
  summary: 'Embed texts through the deterministic cache',
  description:
    'Texts are normalized (null bytes removed, whitespace trimmed; empty is a 400). A cached text makes no provider call. ' +
    'The misses are de-duplicated (a text repeated in one request is sent once; every repeat reports the same vector_id and ' +
    'call_id) and sent in as few provider requests as the provider input limit allows; the first request ' +
    'for a new (provider, model) carries one text as a deployment probe, and a missing deployment is remembered (400 ' +
    'deployment_not_found without a provider call). Every provider request is one captured raw_calls row. A failed request ' +
    'marks its texts (and the texts not sent after it) failed with its call_id; the response is still 200.',
  request: { body: jsonBody(embeddingsBodySchema) },
  responses: { 200: json(embedResultSchema, 'Per-text results, in request order'), ...errors(400, 404, 415) },
});

const similar = createRoute({
  method: 'post',
  path: '/similar',
  tags: ['Embeddings'],
  summary: 'Nearest cached neighbours of a text or a vector (libSQL vector index, cosine)',
  description:
    'Searches the cached embeddings of one model and dimension. A text is embedded through the cache first (provider ' +
    'required) and its own cache entry is left out of the results; group_id limits the search to the embeddings that group used.',
  request: { body: jsonBody(similarBodySchema) },
  responses: { 200: json(similarResultSchema, 'Nearest first'), ...errors(400, 404, 415, 502) },
});

export function embeddingRoutes(deps: AppDeps) {
  const { embeddings } = deps;
  return apiRouter()
    .openapi(embed, async (c) => c.json(await embeddings.embed(c.req.valid('json')), 200))
    .openapi(similar, async (c) => c.json(await embeddings.similar(c.req.valid('json')), 200));
}
