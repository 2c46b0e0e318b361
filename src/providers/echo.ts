// Offline, deterministic provider for dry runs, demos and tests: no model is called.
import type { ChatStreamChunk, CompletionRequest, EmbedOptions, EmbeddingResult, Provider, ProviderResponse } from './types';

const DEFAULT_DIMENSIONS = 16;
const nextTurn = () =>
  new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

export class EchoProvider implements Provider {
  readonly name = 'echo';
  readonly kind = 'echo';
  readonly label = 'Echo (offline, deterministic — no model is called)';
  readonly models = ['echo-1'];
  readonly defaultModel = 'echo-1';

  async complete(request: CompletionRequest): Promise<ProviderResponse> {
    const started = performance.now();
    const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
    const text = `echo: ${contentText(lastUser?.content ?? '')}`;
    const prompt = request.messages.reduce((sum, m) => sum + countWords(contentText(m.content)), 0);
    const completion = countWords(text);
    const raw = {
      id: `echo-${fnv1a(JSON.stringify(request.messages)).toString(16)}`,
      object: 'chat.completion',
      model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    };
    return {
      text,
      provider: this.name,
      model: request.model,
      tokens: { prompt, completion, total: prompt + completion },
      latencyMs: performance.now() - started,
      metadata: { offline: true, finish_reason: 'stop' },
      raw,
    };
  }

  /** The same answer as `complete`, sent word by word like a real stream (usage last when asked for). */
  async *stream(request: CompletionRequest): AsyncIterable<ChatStreamChunk> {
    const answer = await this.complete(request);
    const raw = answer.raw as { id: string; usage: Record<string, unknown> };
    const base = { id: raw.id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: request.model };
    const chunk = (delta: Record<string, unknown>, finish: string | null): ChatStreamChunk => ({
      ...base,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    yield chunk({ role: 'assistant', content: '' }, null);
    for (const word of answer.text.match(/\S+\s*/g) ?? []) {
      // Yield to the event loop between words, so the stream is really delivered piece by piece.
      await nextTurn();
      if (request.signal?.aborted) return;
      yield chunk({ content: word }, null);
    }
    yield chunk({}, 'stop');
    const streamOptions = request.params.stream_options as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage) yield { ...base, choices: [], usage: raw.usage };
  }

  async embed(texts: string[], model: string, options: EmbedOptions = {}): Promise<EmbeddingResult> {
    const started = performance.now();
    const dimensions = options.dimensions ?? DEFAULT_DIMENSIONS;
    const vectors = texts.map((t) => Float32Array.from(deterministicVector(`${model}\u0000${t}`, dimensions)));
    const prompt = texts.reduce((sum, t) => sum + countWords(t), 0);
    return {
      vectors,
      provider: this.name,
      model,
      tokens: { prompt, completion: 0, total: prompt },
      latencyMs: performance.now() - started,
      raw: { object: 'list', model, data: `[${vectors.length} vectors]`, usage: { prompt_tokens: prompt, total_tokens: prompt } },
    };
  }
}

export function contentText(content: string | Array<Record<string, unknown>>): string {
  if (typeof content === 'string') return content;
  return content.map((part) => (typeof part.text === 'string' ? part.text : '')).join(' ');
}

function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A unit vector seeded by the text (mulberry32), so the same text always embeds the same way. */
function deterministicVector(text: string, dimensions: number): number[] {
  let seed = fnv1a(text);
  const next = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  const vector = Array.from({ length: dimensions }, next);
  const norm = Math.hypot(...vector) || 1;
  return vector.map((v) => v / norm);
}
