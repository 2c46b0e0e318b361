// Answers put back together from their streams — chat chunks, legacy completion chunks, Responses
// events — into the one row shape (answer-shape.ts), with what is needed to judge a stream that
// stopped: the text so far, and whether the provider said the answer was over.
import { usageToTokens } from '../providers/openai-compatible';
import { ProviderError, type ChatStreamChunk, type TokenUsage, type ToolCallDelta } from '../providers/types';
import { answerOfChoices, responsesAnswer, type ChoiceShape, type ToolCall } from './answer-shape';

export interface Transcript<E> {
  add(event: E): void;
  readonly events: number;
  /** Choice 0's text so far (kept with a stream that broke off). */
  readonly text: string;
  /** The provider said the whole answer is over: every choice finished, or the final response came. */
  readonly complete: boolean;
  /** Choice 0 is over: a client gone after this still leaves a whole answer. */
  readonly finished: boolean;
  /** A failure the stream reported in its own events. */
  readonly failure: ProviderError | undefined;
  tokens(): TokenUsage;
  /** The answer in the row shape, with the stream's own facts (id, model, chunk count). */
  response(): Record<string, unknown>;
}

interface ChoiceState {
  text: string;
  finishReason: string | null;
  toolCalls: Map<number, ToolCall>;
}

/** Choices put back together chunk by chunk (chat and legacy completions share this). */
abstract class ChoiceTranscript<E extends { id?: unknown; model?: unknown; system_fingerprint?: unknown; usage?: unknown }> implements Transcript<E> {
  events = 0;
  readonly failure = undefined;
  protected usage: unknown;
  private id: string | undefined;
  private model: string | undefined;
  private fingerprint: string | undefined;
  protected readonly choices = new Map<number, ChoiceState>();

  add(event: E) {
    this.events++;
    if (typeof event.id === 'string') this.id ??= event.id;
    if (typeof event.model === 'string') this.model ??= event.model;
    if (typeof event.system_fingerprint === 'string') this.fingerprint ??= event.system_fingerprint;
    if (event.usage) this.usage = event.usage;
    this.addChoices(event);
  }

  protected abstract addChoices(event: E): void;

  get text() {
    return this.choices.get(0)?.text ?? '';
  }

  get finished() {
    return (this.choices.get(0)?.finishReason ?? null) !== null;
  }

  get complete() {
    return this.choices.size > 0 && [...this.choices.values()].every((choice) => choice.finishReason !== null);
  }

  tokens() {
    return usageToTokens(this.usage);
  }

  response(): Record<string, unknown> {
    const choices: ChoiceShape[] = [...this.choices.entries()].map(([index, state]) => ({
      index,
      text: state.text,
      finish_reason: state.finishReason,
      ...(state.toolCalls.size ? { tool_calls: [...state.toolCalls.values()] } : {}),
    }));
    const { text: _text, ...answer } = answerOfChoices(choices);
    return {
      model: this.model,
      response_id: this.id,
      ...(this.fingerprint ? { system_fingerprint: this.fingerprint } : {}),
      ...answer,
      stream: true,
      chunks: this.events,
    };
  }

  protected choice(index: number): ChoiceState {
    let state = this.choices.get(index);
    if (!state) this.choices.set(index, (state = { text: '', finishReason: null, toolCalls: new Map() }));
    return state;
  }
}

export class ChatTranscript extends ChoiceTranscript<ChatStreamChunk> {
  protected addChoices(chunk: ChatStreamChunk) {
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
      const state = this.choice(choice.index ?? 0);
      const delta = choice.delta;
      if (typeof delta?.content === 'string') state.text += delta.content;
      for (const call of delta?.tool_calls ?? []) addToolCall(state, call);
      if (choice.finish_reason) state.finishReason = choice.finish_reason;
    }
  }
}

interface CompletionChunk {
  id?: string;
  model?: string;
  system_fingerprint?: string;
  usage?: unknown;
  choices?: Array<{ index?: number; text?: string; finish_reason?: string | null }>;
}

export class CompletionTranscript extends ChoiceTranscript<CompletionChunk> {
  protected addChoices(chunk: CompletionChunk) {
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
      const state = this.choice(choice.index ?? 0);
      if (typeof choice.text === 'string') state.text += choice.text;
      if (choice.finish_reason) state.finishReason = choice.finish_reason;
    }
  }
}

function addToolCall(state: ChoiceState, delta: ToolCallDelta) {
  let call = state.toolCalls.get(delta.index);
  if (!call) state.toolCalls.set(delta.index, (call = { function: { name: '', arguments: '' } }));
  if (delta.id) call.id = delta.id;
  if (delta.type) call.type = delta.type;
  if (delta.function?.name) call.function.name += delta.function.name;
  if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
}

type ResponsesEvent = Record<string, unknown> & { type?: string };

/** Responses API events: the text deltas as they come, then the final response object, which has it all. */
export class ResponsesTranscript implements Transcript<ResponsesEvent> {
  events = 0;
  failure: ProviderError | undefined;
  private deltas = '';
  private final: Record<string, unknown> | undefined;

  add(event: ResponsesEvent) {
    this.events++;
    if (event.type === 'response.output_text.delta' && typeof event.delta === 'string') this.deltas += event.delta;
    const response = event.response as Record<string, unknown> | undefined;
    if (event.type === 'response.completed' || event.type === 'response.incomplete') this.final = response;
    if (event.type === 'response.failed') {
      const error = (response?.error ?? {}) as { code?: unknown; message?: unknown };
      this.failure = new ProviderError('ResponseFailed', String(error.message ?? 'The provider reported the response as failed'), {
        retryable: false,
        code: typeof error.code === 'string' ? error.code : undefined,
      });
    }
  }

  get text() {
    return this.final ? responsesAnswer(this.final).text : this.deltas;
  }

  get complete() {
    return this.final !== undefined;
  }

  get finished() {
    return this.final !== undefined;
  }

  tokens(): TokenUsage {
    return responsesTokens(this.final?.usage);
  }

  response(): Record<string, unknown> {
    const { text: _text, ...answer } = responsesAnswer(this.final);
    return { model: this.final?.model, response_id: this.final?.id, ...answer, stream: true, chunks: this.events };
  }
}

/** A Responses usage object (input/output tokens) in our token shape. */
export function responsesTokens(usage: unknown): TokenUsage {
  const u = (usage ?? {}) as {
    input_tokens?: number;
    output_tokens?: number;
    total_tokens?: number;
    input_tokens_details?: { cached_tokens?: number };
    output_tokens_details?: { reasoning_tokens?: number };
  };
  return usageToTokens({
    prompt_tokens: u.input_tokens,
    completion_tokens: u.output_tokens,
    total_tokens: u.total_tokens,
    prompt_tokens_details: u.input_tokens_details,
    completion_tokens_details: u.output_tokens_details,
  });
}
