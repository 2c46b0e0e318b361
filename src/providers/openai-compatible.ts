// OpenAI, Azure OpenAI, Hyperbolic and any OpenAI-compatible endpoint, all through the official SDK.
import OpenAI, { AzureOpenAI } from 'openai';
import type { ProviderConfig } from '../config';
import { decodeEmbeddings } from './embedding-wire';
import { toProviderError, withOpenAIErrorShapes } from './provider-errors';
import {
  ProviderError,
  type ChatStreamChunk,
  type CompletionRequest,
  type EmbedOptions,
  type EmbeddingInput,
  type EmbeddingResult,
  type PassthroughApi,
  type PassthroughEndpoint,
  type Provider,
  type ProviderResponse,
  type TokenUsage,
} from './types';

export interface OpenAICompatibleOptions {
  timeoutMs: number;
  fetch?: typeof fetch;
}

export class OpenAICompatibleProvider implements Provider {
  readonly name: string;
  readonly kind: string;
  readonly label: string;
  readonly models: string[];
  readonly defaultModel: string;
  /** The SDK client; the gateway streams through it. Retries are ours, so the SDK's are off. */
  readonly client: OpenAI;
  /**
   * The APIs besides chat sent to the server as they are: those its configuration lists (OPENAI_APIS,
   * LLM_ENDPOINT_<NAME>_APIS), else legacy completions everywhere and Responses to OpenAI only (Azure
   * deployments, Hyperbolic and named endpoints get Responses translated to chat by the gateway, as
   * it translates whatever a server turns out not to serve).
   */
  readonly passthrough: PassthroughApi;

  constructor(config: ProviderConfig, options: OpenAICompatibleOptions) {
    this.name = config.name;
    this.kind = config.kind;
    this.label = config.label;
    this.models = config.models;
    this.defaultModel = config.defaultModel;
    const common = { maxRetries: 0, timeout: options.timeoutMs, fetch: withOpenAIErrorShapes(() => options.fetch ?? fetch) };
    this.client = config.azure
      ? new AzureOpenAI({
          ...common,
          apiKey: config.apiKey,
          endpoint: config.azure.endpoint,
          deployment: config.azure.deployment,
          apiVersion: config.azure.apiVersion,
        })
      : new OpenAI({ ...common, apiKey: config.apiKey ?? 'not-needed', baseURL: config.baseURL });
    const served: PassthroughEndpoint[] = config.apis ?? (config.kind === 'openai' ? ['responses', 'completions'] : ['completions']);
    this.passthrough = sdkPassthrough(this.client, new Set(served));
  }

  async complete(request: CompletionRequest): Promise<ProviderResponse> {
    const started = performance.now();
    let body: OpenAI.Chat.ChatCompletion;
    try {
      body = (await this.client.chat.completions.create(
        {
          ...request.params,
          model: request.model,
          messages: request.messages as OpenAI.Chat.ChatCompletionMessageParam[],
          stream: false,
        },
        { signal: request.signal },
      )) as OpenAI.Chat.ChatCompletion;
    } catch (error) {
      throw toProviderError(error);
    }
    const latencyMs = performance.now() - started;
    const choice = typeof body === 'object' && body !== null ? body.choices?.[0] : undefined;
    if (!choice) {
      throw new ProviderError('MalformedResponse', 'The provider answered without any choices', {
        status: 200,
        retryable: false,
      });
    }
    return {
      text: choice.message?.content ?? '',
      provider: this.name,
      model: body.model ?? request.model,
      tokens: usageToTokens(body.usage),
      latencyMs,
      metadata: { finish_reason: choice.finish_reason, response_id: body.id },
      raw: body,
    };
  }

  async *stream(request: CompletionRequest): AsyncIterable<ChatStreamChunk> {
    let chunks: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>;
    try {
      chunks = await this.client.chat.completions.create(
        {
          ...request.params,
          model: request.model,
          messages: request.messages as OpenAI.Chat.ChatCompletionMessageParam[],
          stream: true,
        },
        { signal: request.signal },
      );
    } catch (error) {
      throw toProviderError(error);
    }
    try {
      // The SDK ends the iteration quietly when request.signal aborts.
      // The SDK types its chunk as closed; it is relayed with whatever other fields the provider sent.
      for await (const chunk of chunks) yield chunk as unknown as ChatStreamChunk;
    } catch (error) {
      throw streamBrokeOff(error);
    }
  }

  async embed(texts: EmbeddingInput, model: string, options: EmbedOptions = {}): Promise<EmbeddingResult> {
    const started = performance.now();
    let body: OpenAI.Embeddings.CreateEmbeddingResponse;
    try {
      body = await this.client.embeddings.create(
        {
          model,
          input: texts,
          ...(options.dimensions ? { dimensions: options.dimensions } : {}),
          ...(options.user !== undefined ? { user: options.user } : {}),
          // Always named: left out, the SDK asks for base64 and decodes whatever comes back as base64.
          encoding_format: options.encodingFormat ?? 'base64',
        },
        { signal: options.signal },
      );
    } catch (error) {
      throw toProviderError(error);
    }
    if (!Array.isArray(body?.data) || body.data.length !== texts.length) {
      throw new ProviderError('MalformedResponse', 'The provider returned a different number of embeddings than inputs', {
        status: 200,
        retryable: false,
      });
    }
    const data = [...body.data].sort((a, b) => a.index - b.index).map((d) => d.embedding as unknown);
    const vectors = decodeEmbeddings(data, { count: texts.length, dimensions: options.dimensions });
    return {
      vectors,
      provider: this.name,
      model: body.model ?? model,
      tokens: usageToTokens(body.usage),
      latencyMs: performance.now() - started,
      raw: { ...body, data: `[${vectors.length} vectors]` },
    };
  }
}

/**
 * Responses and legacy completions through the SDK's client, bodies as the client sent them and
 * answers as the provider sent them: the SDK's typed `create` would add fields (`output_text`) of its own.
 */
function sdkPassthrough(client: OpenAI, endpoints: ReadonlySet<PassthroughEndpoint>): PassthroughApi {
  return {
    endpoints,
    async send(endpoint, body, signal) {
      try {
        return await client.post<unknown>(`/${endpoint}`, { body: { ...body, stream: false }, signal });
      } catch (error) {
        throw toProviderError(error);
      }
    },
    async *stream(endpoint, body, signal) {
      let events: AsyncIterable<Record<string, unknown>>;
      try {
        events = await client.post<AsyncIterable<Record<string, unknown>>>(`/${endpoint}`, { body: { ...body, stream: true }, stream: true, signal });
      } catch (error) {
        throw toProviderError(error);
      }
      try {
        for await (const event of events) yield event;
      } catch (error) {
        throw streamBrokeOff(error);
      }
    },
  };
}

/**
 * An error met while reading an open stream: an `error` event the provider sent (its message kept),
 * or the connection dropping mid-way (`StreamInterrupted`, transient like any dropped connection).
 */
function streamBrokeOff(error: unknown): ProviderError {
  if (error instanceof OpenAI.APIError && typeof error.status !== 'number') return streamErrorEvent(error);
  const mapped = toProviderError(error);
  if (mapped.status !== undefined || mapped.errorClass === 'Aborted' || mapped.errorClass === 'MalformedResponse') return mapped;
  const cause = (error as { cause?: { message?: string } })?.cause?.message;
  return new ProviderError(
    'StreamInterrupted',
    `The provider's stream broke off before it ended (${mapped.message}${cause ? `: ${cause}` : ''})`,
    { retryable: true },
  );
}

/**
 * An error the provider sent inside a 200 stream: its type or code says what HTTP status it stands
 * for, so a rate limit stays a (retryable) 429 and an overload a 5xx, and is answered as such.
 */
function streamErrorEvent(error: InstanceType<typeof OpenAI.APIError>): ProviderError {
  const body = (error.error ?? {}) as { type?: unknown; code?: unknown };
  const said = `${String(body.type ?? '')} ${String(error.code ?? body.code ?? '')}`.toLowerCase();
  const status = /rate_limit|too_many|429/.test(said) ? 429 : /overload|unavailable|server_error|internal|503|500/.test(said) ? 503 : undefined;
  return new ProviderError(status === 429 ? 'RateLimitError' : status ? 'ServerError' : 'StreamError', error.message, {
    ...(status ? { status } : {}),
    retryable: status !== undefined,
    code: typeof error.code === 'string' ? error.code : undefined,
  });
}

export function usageToTokens(usage: unknown): TokenUsage {
  const u = (usage ?? {}) as {
    prompt_tokens?: number;
    completion_tokens?: number;
    total_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number };
    completion_tokens_details?: { reasoning_tokens?: number };
  };
  const tokens: TokenUsage = {
    prompt: u.prompt_tokens ?? null,
    completion: u.completion_tokens ?? null,
    total: u.total_tokens ?? (u.prompt_tokens != null ? u.prompt_tokens + (u.completion_tokens ?? 0) : null),
  };
  if (u.prompt_tokens_details?.cached_tokens != null) tokens.cached = u.prompt_tokens_details.cached_tokens;
  if (u.completion_tokens_details?.reasoning_tokens != null) tokens.reasoning = u.completion_tokens_details.reasoning_tokens;
  return tokens;
}
