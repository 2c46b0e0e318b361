// POST /v1/embeddings: forwarded (texts or token arrays, `user` included), retried, captured. With
// `x-study-cache: embeddings`, texts are answered from the deterministic cache and only misses sent.
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { AppEnv } from '../app-env';
import { largestCachedDimension } from '../embeddings/repository';
import { ECHO_DIMENSIONS } from '../providers/echo';
import { float32Base64 } from '../providers/embedding-wire';
import type { EmbeddingInput, Provider } from '../providers/types';
import { checkEmbeddingCost } from '../limits';
import { callAndCapture, embeddingOutcome } from '../capture/provider-call';
import { GatewayError, invalidRequest, upstreamError } from './errors';
import type { GatewayContext } from './gateway-context';
import { callOptions, readBody, studyHeaders } from './request';

const embeddingBodySchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(z.int().min(0)).min(1), z.array(z.array(z.int().min(0)).min(1)).min(1)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().max(256).optional(),
});

type EmbeddingBody = z.infer<typeof embeddingBodySchema>;

/** Texts, or token arrays (one array of ids is one input): forwarded as given, and hashed as given. */
function embeddingInputs(input: EmbeddingBody['input']): EmbeddingInput {
  if (typeof input === 'string') return [input];
  if (input.every((item): item is string => typeof item === 'string')) return input;
  if (input.every((item): item is number => typeof item === 'number')) return [input];
  return input as number[][];
}

export function embeddingRoutes(g: GatewayContext) {
  return new Hono<AppEnv>().post('/embeddings', async (c) => {
    const body = await readBody(c, embeddingBodySchema);
    const { provider, model } = g.router.resolve(body.model);
    if (!provider.embed) throw new GatewayError(400, `Provider ${provider.name} does not embed`, 'invalid_request_error', 'model_not_supported', 'model');
    const inputs = embeddingInputs(body.input);
    const knownDimension = provider.kind === 'echo' ? ECHO_DIMENSIONS : await largestCachedDimension(g.deps.database.client, model);
    checkEmbeddingCost(g.deps.config.limits, { texts: inputs.length, dimensions: body.dimensions, knownDimension }, 'input');
    const headers = studyHeaders(c);
    if (headers.cache) return fromCache(c, g, provider, model, body, inputs, headers);

    const options = await callOptions(c, g.deps, headers, 'embeddings');
    const request = {
      model,
      input: inputs,
      ...(body.dimensions ? { dimensions: body.dimensions } : {}),
      ...(body.encoding_format ? { encoding_format: body.encoding_format } : {}),
      ...(body.user !== undefined ? { user: body.user } : {}),
    };
    const { summary, result } = await callAndCapture(g.ctx, {
      provider: provider.name,
      model,
      modality: 'embedding',
      request,
      promptText: inputs.map((input) => (typeof input === 'string' ? input : JSON.stringify(input))).join('\n'),
      attempt: (signal) => provider.embed!(inputs, model, { dimensions: body.dimensions, encodingFormat: body.encoding_format, user: body.user, signal }),
      outcome: embeddingOutcome,
      dedupScope: null,
      ...options,
    });
    if (!result.ok) throw upstreamError(result.error, summary, g.deps.redact);
    c.header('x-study-call-id', String(summary.id));
    return c.json(embeddingsAnswer(result.value.vectors, result.value.model, result.value.tokens.prompt ?? 0, result.value.tokens.total ?? 0, body.encoding_format));
  });
}

/** The cache path: each text looked up by its cache key; only the misses sent, as the JSON API does. */
async function fromCache(c: Context<AppEnv>, g: GatewayContext, provider: Provider, model: string, body: EmbeddingBody, inputs: EmbeddingInput, headers: ReturnType<typeof studyHeaders>) {
  if (!inputs.every((input): input is string => typeof input === 'string')) {
    throw invalidRequest('input', 'token arrays are not cached; send text, or leave out x-study-cache', 'invalid_value');
  }
  const options = await callOptions(c, g.deps, headers, 'embeddings');
  const result = await g.embeddings.embed({
    provider: provider.name,
    model,
    texts: inputs,
    dimensions: body.dimensions,
    encoding_format: body.encoding_format,
    return_vectors: true,
    user: body.user,
    metadata: options.metadata,
    group_id: options.groupId,
    origin: options.origin,
  });
  const failed = result.embeddings.find((e) => e.status === 'failed');
  if (failed?.error) {
    const status = (failed.error.status !== null && failed.error.status >= 400 && failed.error.status <= 599 ? failed.error.status : 502) as ContentfulStatusCode;
    throw new GatewayError(status, g.deps.redact(failed.error.message), status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error', null, null, {
      'x-should-retry': 'false',
      'x-study-call-id': String(failed.call_id),
    });
  }
  c.header('x-study-cache', `hits=${result.cached} misses=${result.embedded}`);
  const vectors = result.embeddings.map((e) => Float32Array.from(e.vector ?? []));
  return c.json(embeddingsAnswer(vectors, model, result.prompt_tokens, result.prompt_tokens, body.encoding_format));
}

function embeddingsAnswer(vectors: Float32Array[], model: string, promptTokens: number, totalTokens: number, format: 'float' | 'base64' | undefined) {
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({ object: 'embedding', index, embedding: format === 'base64' ? float32Base64(vector) : Array.from(vector) })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: totalTokens },
  };
}
