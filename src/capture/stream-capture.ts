// Streamed answers through the gateway — chat chunks, Responses events, legacy completion chunks — in
// one pipeline: open with retries, relay event by event as they arrive, capture once it ends.
import type { ChatParams, ChatStreamChunk } from '../providers/types';
import { ProviderError } from '../providers/types';
import { toProviderError } from '../providers/provider-errors';
import type { CallOutcome, CallPlan } from './call-plan';
import { recordCall, type CallSummary, type CaptureContext } from './capture';
import { abortedBy, chatPlan, type ChatCallSpec } from './provider-call';
import { planHash } from './request-hash';
import { withRetry } from './retry';
import { ChatTranscript, type Transcript } from './stream-transcripts';

/** Where the relayed stream goes; the route turns these into server-sent events. */
export interface StreamSink<E> {
  event(event: E): Promise<unknown>;
  /** The provider finished the stream. */
  end(): Promise<unknown>;
  /** The provider failed after events had already reached the client; the failure is captured as `callId`. */
  fail(error: ProviderError, callId: number): Promise<unknown>;
}

/** How a planned stream is made: one attempt at opening it, and how its events make up the answer. */
export interface StreamSource<E> {
  /** One attempt at opening the provider's stream. */
  open(signal: AbortSignal): AsyncIterable<E>;
  transcript(): Transcript<E>;
  /** What the client sees of an event (undefined: nothing of it). */
  visible?(event: E): E | undefined;
}

/** A streamed call's plan: never shared with another call nor held by retry hooks, always cancellable. */
export type StreamPlan<E> = Omit<CallPlan, 'retryHooks' | 'dedupScope'> & Required<Pick<CallPlan, 'controller'>> & StreamSource<E>;

export type OpenedStream<E> =
  | { ok: true; relay(sink: StreamSink<E>): Promise<CallSummary> }
  | { ok: false; error: ProviderError; summary: CallSummary };

/**
 * Opens the provider stream and waits for its first event, retrying transient failures — until an
 * event is in hand nothing has reached the client, so a failure can still be answered with an HTTP
 * status. A failure to open is captured here; an opened stream is captured by `relay` when it ends.
 */
export function openStream<E>(ctx: CaptureContext, plan: StreamPlan<E>): Promise<OpenedStream<E>> {
  const work = openAndRelay(ctx, plan);
  return ctx.lifecycle ? ctx.lifecycle.track(work, plan.controller) : work;
}

async function openAndRelay<E>(ctx: CaptureContext, plan: StreamPlan<E>): Promise<OpenedStream<E>> {
  const requestHash = await planHash(plan);
  const signal = plan.controller.signal;
  const started = performance.now();
  let attemptStarted = started;
  const opened = await withRetry(
    async () => {
      attemptStarted = performance.now();
      const iterator = plan.open(signal)[Symbol.asyncIterator]();
      const first = await iterator.next();
      // An empty stream (or a plain JSON body where a stream was asked for) is no answer at all.
      if (first.done && !signal.aborted) throw streamIncomplete('before sending any event');
      return { iterator, first, firstEventMs: performance.now() - attemptStarted };
    },
    ctx.retry,
    { signal },
  );
  const capture = (outcome: CallOutcome) =>
    recordCall(ctx, plan, { requestHash, outcome, attempts: opened.attempts, elapsedMs: performance.now() - started, metadata: { stream: true } });

  if (!opened.ok) {
    const error = signal.aborted ? abortedBy(ctx) : opened.error;
    return { ok: false, error, summary: await capture({ ok: false, error }) };
  }

  const { iterator, first, firstEventMs } = opened.value;
  // The open stream counts as in flight until relay() has captured it.
  let relayed!: (summary: Promise<CallSummary>) => void;
  const whileRelaying = new Promise<void>((resolve) => (relayed = (summary) => void summary.then(() => resolve(), () => resolve())));
  if (ctx.lifecycle) void ctx.lifecycle.track(whileRelaying, plan.controller);
  return {
    ok: true,
    relay(sink) {
      const summary = relay(sink);
      relayed(summary);
      return summary;
    },
  };

  async function relay(sink: StreamSink<E>): Promise<CallSummary> {
    const transcript = plan.transcript();
    let next = first;
    let failure: ProviderError | undefined;
    try {
      while (!next.done) {
        transcript.add(next.value);
        const visible = plan.visible ? plan.visible(next.value) : next.value;
        if (visible !== undefined) await sink.event(visible);
        next = await iterator.next();
      }
    } catch (thrown) {
      failure = toProviderError(thrown);
    } finally {
      if (!next.done) await iterator.return?.().catch(() => undefined);
    }
    failure ??= transcript.failure;
    // A stream that just stops, without saying the answer is over, is cut short: never a success.
    if (!failure && !signal.aborted && !transcript.complete) failure = streamIncomplete('without a finish reason');
    const latencyMs = performance.now() - attemptStarted;
    const partial = { partial_text: transcript.text, chunks_received: transcript.events, first_chunk_ms: round(firstEventMs) };
    // A client gone after the last answer event still leaves a complete answer (marked client_aborted).
    if (signal.aborted && !transcript.finished) return capture({ ok: false, error: abortedBy(ctx), extra: partial });
    // Captured before the client hears the end, so a client that saw the stream end finds the row.
    if (failure) {
      const summary = await capture({ ok: false, error: failure, extra: partial });
      await sink.fail(failure, summary.id);
      return summary;
    }
    const summary = await capture({
      ok: true,
      text: transcript.text,
      tokens: transcript.tokens(),
      latencyMs,
      response: { ...transcript.response(), first_chunk_ms: round(firstEventMs) },
    });
    await sink.end();
    return summary;
  }
}

/** A streamed chat call as the gateway asks for it (see ChatCallSpec). */
export type ChatStreamSpec = Omit<ChatCallSpec, 'retryHooks' | 'dedupScope'> & Required<Pick<CallPlan, 'controller'>>;

/** A chat completion streamed from a provider's own `stream` (the OpenAI SDK, or echo). */
export function chatStreamPlan(spec: ChatStreamSpec): StreamPlan<ChatStreamChunk> {
  const stream = spec.provider.stream?.bind(spec.provider);
  if (!stream) throw new Error(`provider ${spec.provider.name} cannot stream`);
  const { params, clientWantsUsage, usageAdded } = requestUsage(spec.params);
  return {
    ...chatPlan(spec, params, { stream: true }),
    metadata: { ...spec.metadata, ...(usageAdded ? { usage_requested_by_gateway: true } : {}) },
    controller: spec.controller,
    open: (signal) => stream({ model: spec.model, messages: spec.messages, params, signal }),
    transcript: () => new ChatTranscript(),
    visible: clientWantsUsage ? undefined : withoutUsage,
  };
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

const round = (ms: number) => Math.round(ms * 1000) / 1000;

const streamIncomplete = (when: string) =>
  new ProviderError('StreamIncomplete', `The provider's stream ended ${when}`, { status: 200, retryable: false });
