// Embeddings with a deterministic cache: a cached text makes no provider call; the misses of a batch
// are de-duplicated and sent in as few requests as the provider's input limit allows. Every
// provider request is captured in raw_calls; every distinct text's vector lives in embedding_vectors.
import type { Client } from '@libsql/client';
import { addVectorsToGroup, findCachedVectors, insertVectors, largestCachedDimension, vectorNorm, type CachedVector } from './repository';
import { ECHO_DIMENSIONS } from '../providers/echo';
import { addGroupMembers, getGroup } from '../groups/repository';
import type { Limits } from '../config';
import { AppError, invalidInput, notFound } from '../errors';
import type { ProviderRegistry } from '../providers/registry';
import type { Provider, ProviderError } from '../providers/types';
import type { CallOrigin } from '../capture/call-plan';
import type { CaptureContext } from '../capture/capture';
import { callAndCapture, embeddingOutcome } from '../capture/provider-call';
import { embeddingCacheKey, normalizeEmbeddingText, type EncodingFormat } from './cache-key';
import { DeploymentMemo, deploymentMissing } from './deployments';
import { resolveProvider } from '../inference/service';
import { openGroup } from '../groups/service';
import { checkEmbeddingCost } from '../limits';
import { timeSlicer } from '../concurrency/time-slice';
import { VectorIndex, type Neighbor } from './vector-index';

export type EmbeddingContext = CaptureContext & { providers: ProviderRegistry; limits: Limits };
type EmbeddingProvider = Provider & Required<Pick<Provider, 'embed'>>;

export interface EmbedInput {
  provider: string;
  model: string;
  texts: string[];
  dimensions?: number;
  encoding_format?: EncodingFormat;
  group_id?: number;
  metadata?: Record<string, unknown>;
  return_vectors?: boolean;
  /** OpenAI's end-user id, forwarded (the gateway). */
  user?: string;
  /** Where the request came from (the gateway records its request id and API). */
  origin?: CallOrigin;
}

export interface EmbeddingItem {
  index: number;
  request_hash: string;
  status: 'success' | 'failed';
  cached: boolean;
  /** The captured provider request that produced this vector (or failed to). */
  call_id: number;
  vector_id: number | null;
  dimension: number | null;
  vector?: number[];
  error?: { class: string; status: number | null; message: string };
}

export interface EmbedResult {
  provider: string;
  model: string;
  embeddings: EmbeddingItem[];
  cached: number;
  embedded: number;
  failed: number;
  provider_requests: number;
  /** Tokens the provider counted for the requests sent (cache hits cost none). */
  prompt_tokens: number;
}

export interface SimilarInput {
  model: string;
  provider?: string;
  text?: string;
  vector?: number[];
  k: number;
  group_id?: number;
  dimensions?: number;
  encoding_format?: EncodingFormat;
}

/** Inputs per provider request, by provider kind; `maxInputsPerRequest` overrides per provider name. */
export const DEFAULT_MAX_INPUTS: Record<string, number> = { echo: Infinity, openai: 2048, azure: 2048, 'openai-compatible': 2048 };

type Sent =
  | { ok: true; callId: number; vectors: Float32Array[]; vectorIds: Map<string, number>; promptTokens: number }
  | { ok: false; callId: number; error: ProviderError };

export class EmbeddingService {
  readonly index: VectorIndex;
  private readonly client: Client;
  /** provider\0model → what the first request learnt about that deployment. */
  private readonly deployments = new DeploymentMemo();

  constructor(
    private readonly ctx: EmbeddingContext,
    private readonly options: { maxInputsPerRequest?: Record<string, number> } = {},
  ) {
    this.client = ctx.db.$client;
    this.index = new VectorIndex(this.client);
  }

  async embed(input: EmbedInput): Promise<EmbedResult> {
    const provider = this.embeddingProvider(input.provider);
    checkEmbeddingCost(this.ctx.limits, {
      texts: input.texts.length,
      dimensions: input.dimensions,
      knownDimension: await this.knownDimension(provider, input.model),
    });
    if (input.group_id !== undefined) await openGroup(this.ctx.db, input.group_id);
    const texts = input.texts.map((text, i) => {
      const normalized = normalizeEmbeddingText(text);
      if (!normalized) throw invalidInput(`texts.${i}`, 'is empty once null bytes are removed and whitespace trimmed');
      return normalized;
    });
    const slice = timeSlicer();
    const hashes: string[] = [];
    for (const text of texts) {
      await slice();
      hashes.push(await embeddingCacheKey({ provider: provider.name, model: input.model, text, dimensions: input.dimensions, encodingFormat: input.encoding_format }));
    }
    const cached = await findCachedVectors(this.client, [...new Set(hashes)], input.return_vectors === true, slice);
    const misses = new Map<string, string>();
    hashes.forEach((hash, i) => {
      if (!cached.has(hash) && !misses.has(hash)) misses.set(hash, texts[i]!);
    });

    const sent: Sent[] = [];
    const produced = new Map<string, { sent: Sent; position: number }>();
    try {
      const cacheHits = hashes.filter((hash) => cached.has(hash)).length;
      if (misses.size) await this.embedMisses(provider, input, [...misses], sent, produced, cacheHits);
    } finally {
      if (input.group_id !== undefined && sent.length) {
        await addGroupMembers(this.ctx.db, input.group_id, sent.map((s) => s.callId), 'embedding');
      }
    }

    const withVectors = input.return_vectors === true;
    const embeddings = hashes.map((hash, index) => itemFor(index, hash, cached.get(hash), produced.get(hash), withVectors, this.ctx.redact));
    if (input.group_id !== undefined) {
      const vectorIds = embeddings.flatMap((e) => (e.vector_id === null ? [] : [e.vector_id]));
      await addVectorsToGroup(this.client, input.group_id, vectorIds);
    }
    const count = (test: (e: EmbeddingItem) => boolean) => embeddings.filter(test).length;
    return {
      provider: provider.name,
      model: input.model,
      embeddings,
      cached: count((e) => e.cached),
      embedded: count((e) => !e.cached && e.status === 'success'),
      failed: count((e) => e.status === 'failed'),
      provider_requests: sent.length,
      prompt_tokens: sent.reduce((sum, s) => sum + (s.ok ? s.promptTokens : 0), 0),
    };
  }

  /** Nearest cached neighbours of a text (embedded through the cache first) or of a given vector. */
  async similar(input: SimilarInput) {
    if (input.group_id !== undefined && !(await getGroup(this.ctx.db, input.group_id))) throw notFound('group', input.group_id);
    let vector: Float32Array;
    let query: Omit<EmbeddingItem, 'vector'> | null = null;
    if (input.vector) {
      vector = Float32Array.from(input.vector);
    } else {
      if (!input.provider) throw invalidInput('provider', 'is required to embed the query text');
      const result = await this.embed({
        provider: input.provider,
        model: input.model,
        texts: [input.text ?? ''],
        dimensions: input.dimensions,
        encoding_format: input.encoding_format,
        return_vectors: true,
      });
      const { vector: values, ...item } = result.embeddings[0]!;
      if (item.status === 'failed' || !values) {
        throw new AppError(502, 'provider_error', `Embedding the query text failed: ${item.error?.message ?? 'unknown error'}`, { call_id: item.call_id });
      }
      vector = Float32Array.from(values);
      query = item;
    }
    if (vectorNorm(vector) === 0) throw invalidInput(input.vector ? 'vector' : 'text', 'has no direction (all zeros): cosine distance is undefined');
    const neighbors: Neighbor[] = await this.index.search({
      model: input.model,
      vector,
      k: input.k,
      groupId: input.group_id,
      excludeIds: query?.vector_id ? [query.vector_id] : [],
    });
    return { model: input.model, dimension: vector.length, k: input.k, query, neighbors };
  }

  /** The dimension this model's vectors had so far (the largest), to price a request that names none. */
  async knownDimension(provider: Provider, model: string): Promise<number | undefined> {
    if (provider.kind === 'echo') return ECHO_DIMENSIONS;
    return largestCachedDimension(this.client, model);
  }

  private embeddingProvider(name: string): EmbeddingProvider {
    const provider = resolveProvider(this.ctx.providers, name);
    if (!provider.embed) throw invalidInput('provider', `"${provider.name}" does not offer embeddings`);
    return provider as EmbeddingProvider;
  }

  private maxInputs(provider: Provider): number {
    return this.options.maxInputsPerRequest?.[provider.name] ?? DEFAULT_MAX_INPUTS[provider.kind] ?? 2048;
  }

  /**
   * The first request for an unvalidated (provider, model) carries a single text: a cheap probe of
   * the deployment. A missing deployment is remembered and refused from then on without calling
   * the provider; a transient failure is not remembered. After any failed request the rest of the
   * batch is not sent — a 400 for too many inputs is a configuration error, not a reason to loop.
   */
  private async embedMisses(
    provider: EmbeddingProvider,
    input: EmbedInput,
    misses: Array<[string, string]>,
    sent: Sent[],
    produced: Map<string, { sent: Sent; position: number }>,
    /** Texts of the same request answered from the cache (recorded with each provider request). */
    cacheHits: number,
  ) {
    const key = `${provider.name}\u0000${input.model}`;
    // The offline echo provider has no deployments to validate.
    if (provider.kind === 'echo') this.deployments.markValid(key);
    const known = await this.deployments.acquire(key);
    if (known.kind === 'missing') throw deploymentMissing(provider.name, input.model, known);
    const probing = known.kind === 'probe' ? known.probe : undefined;

    const chunks: Array<Array<[string, string]>> = probing ? [misses.slice(0, 1)] : [];
    const rest = probing ? misses.slice(1) : misses;
    const limit = Math.max(1, this.maxInputs(provider));
    for (let start = 0; start < rest.length; start += limit) chunks.push(rest.slice(start, start + limit));

    try {
      for (const [i, chunk] of chunks.entries()) {
        const probe = probing !== undefined && i === 0;
        const result = await this.send(provider, input, chunk, {
          ...(probe ? { deployment_probe: true } : {}),
          request: i + 1,
          requests: chunks.length,
          cache_hits: cacheHits,
        });
        sent.push(result);
        chunk.forEach(([hash], position) => { produced.set(hash, { sent: result, position }); });
        if (result.ok) {
          if (probe) probing.valid();
          continue;
        }
        const missing = this.deployments.failed(key, result.error, result.callId);
        if (probe && missing) throw deploymentMissing(provider.name, input.model, missing);
        for (const later of chunks.slice(i + 1)) later.forEach(([hash]) => { produced.set(hash, { sent: result, position: -1 }); });
        break;
      }
    } finally {
      probing?.settle();
    }
  }

  /** One provider request, retried on transient errors, captured, its vectors cached. */
  /** One provider request, retried on transient errors, captured, its vectors cached. */
  private async send(provider: EmbeddingProvider, input: EmbedInput, chunk: Array<[string, string]>, requestMetadata: Record<string, unknown>): Promise<Sent> {
    const texts = chunk.map(([, text]) => text);
    const { summary, result } = await callAndCapture(this.ctx, {
      provider: provider.name,
      model: input.model,
      modality: 'embedding',
      request: {
        model: input.model,
        input: texts,
        ...(input.dimensions !== undefined ? { dimensions: input.dimensions } : {}),
        ...(input.encoding_format !== undefined ? { encoding_format: input.encoding_format } : {}),
        ...(input.user !== undefined ? { user: input.user } : {}),
      },
      promptText: texts.join('\n'),
      attempt: (signal) => provider.embed(texts, input.model, { dimensions: input.dimensions, encodingFormat: input.encoding_format, user: input.user, signal }),
      outcome: embeddingOutcome,
      dedupScope: null,
      metadata: { ...input.metadata, source: 'embeddings', ...requestMetadata, ...(input.group_id !== undefined ? { group_id: input.group_id } : {}) },
      origin: input.origin,
    });
    const vectors = result.ok ? result.value.vectors : undefined;
    const error = result.ok ? undefined : result.error;
    if (!vectors) return { ok: false, callId: summary.id, error: error! };
    await this.index.ensure(input.model, vectors[0]!.length);
    const vectorIds = await insertVectors(
      this.client,
      chunk.map(([hash, text], i) => ({
        callId: summary.id,
        requestHash: hash,
        provider: provider.name,
        model: input.model,
        vector: vectors[i]!,
        norm: vectorNorm(vectors[i]!),
        metadata: {
          text,
          input_index: i,
          encoding_format: input.encoding_format ?? 'float',
          ...(input.dimensions !== undefined ? { dimensions: input.dimensions } : {}),
        },
      })),
    );
    return { ok: true, callId: summary.id, vectors, vectorIds, promptTokens: result.ok ? (result.value.tokens.prompt ?? 0) : 0 };
  }
}

function itemFor(
  index: number,
  hash: string,
  hit: CachedVector | undefined,
  made: { sent: Sent; position: number } | undefined,
  withVector: boolean,
  redact: (text: string) => string,
): EmbeddingItem {
  if (hit) {
    return {
      index,
      request_hash: hash,
      status: 'success',
      cached: true,
      call_id: hit.callId,
      vector_id: hit.id,
      dimension: hit.dimension,
      ...(withVector && hit.vector ? { vector: Array.from(hit.vector) } : {}),
    };
  }
  const sent = made!.sent;
  if (!sent.ok) {
    const error = { class: sent.error.errorClass, status: sent.error.status ?? null, message: redact(sent.error.message) };
    return { index, request_hash: hash, status: 'failed', cached: false, call_id: sent.callId, vector_id: null, dimension: null, error };
  }
  const vector = sent.vectors[made!.position]!;
  return {
    index,
    request_hash: hash,
    status: 'success',
    cached: false,
    call_id: sent.callId,
    vector_id: sent.vectorIds.get(hash) ?? null,
    dimension: vector.length,
    ...(withVector ? { vector: Array.from(vector) } : {}),
  };
}
