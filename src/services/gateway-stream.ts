// Streamed chat through the gateway: open with retries, relay chunk by chunk as they arrive, capture once it ends.
import { usageToTokens } from '../providers/openai-compatible';
import { ProviderError, type ChatParams, type ChatStreamChunk, type ToolCallDelta } from '../providers/types';
import { toProviderError } from '../providers/provider-errors';
import type { CallOutcome, CallSummary, CaptureContext } from './capture';
import { abortedBy, captureGatewayCall, promptOf, tracked, type GatewayChatSpec } from './gateway-calls';
import { withRetry } from './retry';

/** Where the relayed stream goes; the route turns these into server-sent events. */
export interface StreamSink {
  chunk(chunk: ChatStreamChunk): Promise<unknown>;
  /** The provider finished the stream. */
  end(): Promise<unknown>;
  /** The provider failed after chunks had already reached the client; the failure is captured as `callId`. */
  fail(error: ProviderError, callId: number): Promise<unknown>;
}

export type OpenedStream =
  | { ok: true; relay(sink: StreamSink): Promise<CallSummary> }
  | { ok: false; error: ProviderError; summary: CallSummary };

/**
 * Opens the provider stream and waits for its first chunk, retrying transient failures — until a chunk
 * is in hand nothing has reached the client, so a failure can still be answered with an HTTP status.
 * A failure to open is captured here; an opened stream is captured by `relay` when it ends.
 */
export function openGatewayStream(ctx: CaptureContext, spec: GatewayChatSpec): Promise<OpenedStream> {
  return tracked(ctx, openStream(ctx, spec), spec.controller);
}

async function openStream(ctx: CaptureContext, spec: GatewayChatSpec): Promise<OpenedStream> {
  const stream = spec.provider.stream?.bind(spec.provider);
  if (!stream) throw new Error(`provider ${spec.provider.name} cannot stream`);
  const { params, clientWantsUsage, usageAdded } = requestUsage(spec.params);
  const request = { ...params, model: spec.model, messages: spec.messages, stream: true };
  const extraMetadata = { stream: true, ...(usageAdded ? { usage_requested_by_gateway: true } : {}) };
  const started = performance.now();
  let attemptStarted = started;
  const opened = await withRetry(
    async () => {
      attemptStarted = performance.now();
      const iterator = stream({ model: spec.model, messages: spec.messages, params, signal: spec.controller?.signal })[Symbol.asyncIterator]();
      const first = await iterator.next();
      // An empty stream (or a plain JSON body where a stream was asked for) is no answer at all.
      if (first.done && !spec.controller?.signal.aborted) throw streamIncomplete('before sending any chunk');
      return { iterator, first, firstChunkMs: performance.now() - attemptStarted };
    },
    ctx.retry,
    { signal: spec.controller?.signal },
  );
  const capture = (outcome: CallOutcome) =>
    captureGatewayCall(
      ctx,
      spec,
      {
        provider: spec.provider.name,
        model: spec.model,
        modality: 'chat',
        request,
        outcome,
        attempts: opened.attempts,
        elapsedMs: performance.now() - started,
        promptText: promptOf(spec.messages),
      },
      extraMetadata,
    );

  if (!opened.ok) {
    const error = spec.controller?.signal.aborted ? abortedBy(ctx) : opened.error;
    return { ok: false, error, summary: await capture({ ok: false, error }) };
  }

  const { iterator, first, firstChunkMs } = opened.value;
  // The open stream counts as in flight until relay() has captured it.
  let relayed!: (summary: Promise<CallSummary>) => void;
  void tracked(ctx, new Promise<void>((resolve) => (relayed = (summary) => void summary.then(() => resolve(), () => resolve()))), spec.controller);
  return {
    ok: true,
    relay(sink) {
      const summary = relay(sink);
      relayed(summary);
      return summary;
    },
  };

  async function relay(sink: StreamSink): Promise<CallSummary> {
    const transcript = new StreamTranscript();
    let next = first;
    let failure: ProviderError | undefined;
    try {
      while (!next.done) {
        transcript.add(next.value);
        const visible = clientWantsUsage ? next.value : withoutUsage(next.value);
        if (visible) await sink.chunk(visible);
        next = await iterator.next();
      }
    } catch (thrown) {
      failure = toProviderError(thrown);
    } finally {
      if (!next.done) await iterator.return?.().catch(() => undefined);
    }
    // A stream that just stops, without a finish reason, is cut short: never a success.
    if (!failure && !spec.controller?.signal.aborted && !transcript.complete) failure = streamIncomplete('without a finish reason');
    const latencyMs = performance.now() - attemptStarted;
    const partial = { partial_text: transcript.text, chunks_received: transcript.chunks, first_chunk_ms: round(firstChunkMs) };
    // A client gone after the last answer chunk still leaves a complete answer (marked client_aborted).
    if (spec.controller?.signal.aborted && !transcript.finished) return capture({ ok: false, error: abortedBy(ctx), extra: partial });
    // Captured before the client hears the end, so a client that saw the stream end finds the row.
    if (failure) {
      const summary = await capture({ ok: false, error: failure, extra: partial });
      await sink.fail(failure, summary.id);
      return summary;
    }
    const summary = await capture({
      ok: true,
      text: transcript.text,
      tokens: usageToTokens(transcript.usage),
      latencyMs,
      response: { ...transcript.response(), first_chunk_ms: round(firstChunkMs) },
    });
    await sink.end();
    return summary;
  }
}

/**
 * Usage arrives in a stream only when asked for, so the gateway asks (`stream_options.include_usage`)
 * unless the client chose its own stream_options; the extra usage chunk is then kept from the client.
 */
function requestUsage(params: ChatParams) {
  if (params.stream_options !== undefined) {
    const clientWantsUsage = (params.stream_options as { include_usage?: unknown } | null)?.include_usage === true;
    return { params, clientWantsUsage, usageAdded: false };
  }
  return { params: { ...params, stream_options: { include_usage: true } }, clientWantsUsage: false, usageAdded: true };
}

/** The chunk as the client would have had it without include_usage: no usage field, no usage-only chunk. */
function withoutUsage(chunk: ChatStreamChunk): ChatStreamChunk | undefined {
  if (!('usage' in chunk)) return chunk;
  if (chunk.usage && Array.isArray(chunk.choices) && chunk.choices.length === 0) return undefined;
  const { usage: _usage, ...rest } = chunk;
  return rest as ChatStreamChunk;
}

interface ChoiceState {
  text: string;
  finishReason: string | null;
  toolCalls: Map<number, { id?: string; type?: string; function: { name: string; arguments: string } }>;
}

/** Puts the answer back together from its chunks: text and tool calls per choice, finish reason, usage. */
class StreamTranscript {
  chunks = 0;
  usage: Record<string, unknown> | undefined;
  private id: string | undefined;
  private model: string | undefined;
  private readonly choices = new Map<number, ChoiceState>();

  add(chunk: ChatStreamChunk) {
    this.chunks++;
    this.id ??= chunk.id;
    this.model ??= chunk.model;
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
      const state = this.choice(choice.index ?? 0);
      const delta = choice.delta;
      if (typeof delta?.content === 'string') state.text += delta.content;
      for (const call of delta?.tool_calls ?? []) this.addToolCall(state, call);
      if (choice.finish_reason) state.finishReason = choice.finish_reason;
    }
  }

  get text() {
    return this.choices.get(0)?.text ?? '';
  }

  get finished() {
    return (this.choices.get(0)?.finishReason ?? null) !== null;
  }

  /** Every choice the stream opened has its finish reason. */
  get complete() {
    return this.choices.size > 0 && [...this.choices.values()].every((choice) => choice.finishReason !== null);
  }

  response(): Record<string, unknown> {
    const first = this.choices.get(0);
    const toolCalls = (state: ChoiceState | undefined) =>
      state && state.toolCalls.size ? { tool_calls: [...state.toolCalls.values()] } : {};
    return {
      model: this.model,
      response_id: this.id,
      finish_reason: first?.finishReason ?? null,
      stream: true,
      chunks: this.chunks,
      ...toolCalls(first),
      ...(this.choices.size > 1
        ? {
            choices: [...this.choices.entries()]
              .sort(([a], [b]) => a - b)
              .map(([index, state]) => ({ index, text: state.text, finish_reason: state.finishReason, ...toolCalls(state) })),
          }
        : {}),
    };
  }

  private choice(index: number): ChoiceState {
    let state = this.choices.get(index);
    if (!state) this.choices.set(index, (state = { text: '', finishReason: null, toolCalls: new Map() }));
    return state;
  }

  private addToolCall(state: ChoiceState, delta: ToolCallDelta) {
    let call = state.toolCalls.get(delta.index);
    if (!call) state.toolCalls.set(delta.index, (call = { function: { name: '', arguments: '' } }));
    if (delta.id) call.id = delta.id;
    if (delta.type) call.type = delta.type;
    if (delta.function?.name) call.function.name += delta.function.name;
    if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

const streamIncomplete = (when: string) =>
  new ProviderError('StreamIncomplete', `The provider's stream ended ${when}`, { status: 200, retryable: false });
