// The one provider interface every backend implements, and the standard response shape.

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool' | 'developer';
export interface ChatMessage {
  role: ChatRole;
  content: string | Array<Record<string, unknown>>;
  name?: string;
}

/** Sampling parameters passed through to the provider as-is (temperature, max_tokens, seed, …). */
export type ChatParams = Record<string, unknown>;

export interface CompletionRequest {
  model: string;
  messages: ChatMessage[];
  params: ChatParams;
  signal?: AbortSignal;
}

export interface TokenUsage {
  prompt: number | null;
  completion: number | null;
  total: number | null;
  cached?: number;
  reasoning?: number;
}

// The chat.completion answer, read loosely: providers differ in what they fill in.
export interface ChatUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null; cache_write_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

export interface ChatToolCall {
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface ChatChoice {
  index?: number;
  message?: { content?: string | null; refusal?: string | null; tool_calls?: ChatToolCall[] | null } | null;
  finish_reason?: string | null;
}

/** A `chat.completion` body; the openai SDK's `ChatCompletion` fits it. */
export interface ChatCompletionLike {
  id?: string;
  created?: number;
  model?: string;
  system_fingerprint?: string | null;
  service_tier?: string | null;
  choices: ChatChoice[];
  usage?: ChatUsage | null;
}

export interface ProviderResponse {
  text: string;
  provider: string;
  model: string;
  tokens: TokenUsage;
  latencyMs: number;
  metadata: Record<string, unknown>;
  /** The provider's `chat.completion` body as received. */
  raw: ChatCompletionLike;
}

export interface EmbedOptions {
  dimensions?: number;
  encodingFormat?: 'float' | 'base64';
  /** OpenAI's end-user id, forwarded as given. */
  user?: string;
  signal?: AbortSignal;
}

/** What an embeddings request embeds: texts, or texts already turned into token ids. */
export type EmbeddingInput = string[] | number[][];

export interface EmbeddingResult {
  /** One checked vector per input text, in input order. */
  vectors: Float32Array[];
  provider: string;
  model: string;
  tokens: TokenUsage;
  latencyMs: number;
  raw: unknown;
}

/** One streamed chat completion chunk, in the OpenAI wire format (`chat.completion.chunk`). */
export interface ChatStreamChunk {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  system_fingerprint?: string | null;
  choices: Array<{
    index: number;
    delta?: { role?: string; content?: string | null; tool_calls?: ToolCallDelta[]; [key: string]: unknown };
    finish_reason?: string | null;
    [key: string]: unknown;
  }>;
  /** Only on the last chunk, and only when the request asked for `stream_options.include_usage`. */
  usage?: Record<string, unknown> | null;
  [key: string]: unknown;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface Provider {
  readonly name: string;
  readonly kind: string;
  readonly label: string;
  readonly models: string[];
  readonly defaultModel: string;
  complete(request: CompletionRequest): Promise<ProviderResponse>;
  embed?(inputs: EmbeddingInput, model: string, options?: EmbedOptions): Promise<EmbeddingResult>;
  /** The OpenAI APIs besides chat that this provider speaks itself: their bodies go through unchanged. */
  passthrough?: PassthroughApi;
  /**
   * Streams a chat completion chunk by chunk. Failures are thrown as ProviderError from the
   * iterator; an abort through `request.signal` ends the iteration quietly.
   */
  stream?(request: CompletionRequest): AsyncIterable<ChatStreamChunk>;
}

export type PassthroughEndpoint = 'responses' | 'completions';

export interface PassthroughApi {
  readonly endpoints: ReadonlySet<PassthroughEndpoint>;
  /** One request, answered whole: the provider's response body. */
  send(endpoint: PassthroughEndpoint, body: Record<string, unknown>, signal?: AbortSignal): Promise<unknown>;
  /** One streamed request: the provider's events (Responses) or chunks (completions), as they come. */
  stream(endpoint: PassthroughEndpoint, body: Record<string, unknown>, signal?: AbortSignal): AsyncIterable<Record<string, unknown>>;
}

/**
 * A provider failure normalized from whatever the backend threw. `retryable` follows the spec:
 * 429, 5xx, timeouts and connection errors are transient; other 4xx and malformed bodies are not.
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    readonly errorClass: string,
    message: string,
    readonly options: { status?: number; retryable: boolean; retryAfterMs?: number; code?: string } = {
      retryable: false,
    },
  ) {
    super(message);
  }
  get status() {
    return this.options.status;
  }
  get retryable() {
    return this.options.retryable;
  }
  get retryAfterMs() {
    return this.options.retryAfterMs;
  }
}
