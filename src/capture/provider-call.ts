// One provider call, made and captured the same way wherever it comes from — the JSON API, studies,
// conversations, the gateway's every endpoint and embeddings: retried on transient errors, shared
// with identical requests in flight when asked, counted as in flight for a graceful shutdown, and
// ended by exactly one captured row (recordCall) whatever happens.
import { contentText } from '../providers/message-text';
import { toProviderError } from '../providers/provider-errors';
import { ProviderError, type ChatMessage, type ChatParams, type EmbeddingResult, type Provider, type ProviderResponse } from '../providers/types';
import type { CallOutcome, CallPlan } from './call-plan';
import { recordCall, successOutcome, type CallSummary, type CaptureContext } from './capture';
import { serverStopping } from './lifecycle';
import { planHash } from './request-hash';
import { withRetry, type RetryOutcome } from './retry';

/** How a planned call is made: one attempt at it (retried by the pipeline), and what a success records. */
export interface CallAttempt<T> {
  attempt(signal: AbortSignal): Promise<T>;
  /** What a success records; throwing a ProviderError (a malformed answer) records a failure instead. */
  outcome(value: T): CallOutcome;
}

export interface Captured<T> {
  summary: CallSummary;
  /** The provider's answer, or the failure that was captured (a malformed answer included). */
  result: RetryOutcome<T>;
}

export function callAndCapture<T>(ctx: CaptureContext, plan: CallPlan & CallAttempt<T>): Promise<Captured<T>> {
  const controller = plan.controller ?? new AbortController();
  const work = makeAndCapture(ctx, plan, controller);
  return ctx.lifecycle ? ctx.lifecycle.track(work, controller) : work;
}

async function makeAndCapture<T>(ctx: CaptureContext, plan: CallPlan & CallAttempt<T>, controller: AbortController): Promise<Captured<T>> {
  const requestHash = await planHash(plan);
  const started = performance.now();
  const signal = controller.signal;
  const call = () => withRetry(() => plan.attempt(signal), ctx.retry, { ...plan.retryHooks, signal });
  const { value: answered, shared } =
    ctx.inflight && plan.dedupScope !== null
      ? await ctx.inflight.share(`${requestHash}#${plan.dedupScope ?? ''}`, call)
      : { value: await call(), shared: false };
  let result: RetryOutcome<T> = answered;
  let outcome: CallOutcome;
  if (answered.ok) {
    try {
      outcome = plan.outcome(answered.value);
    } catch (thrown) {
      const error = toProviderError(thrown);
      result = { ok: false, error, attempts: answered.attempts };
      outcome = { ok: false, error };
    }
  } else {
    outcome = { ok: false, error: signal.aborted ? abortedBy(ctx) : answered.error };
  }
  const summary = await recordCall(ctx, plan, {
    requestHash,
    outcome,
    attempts: answered.attempts,
    elapsedMs: performance.now() - started,
    metadata: shared ? { deduplicated: true } : {},
  });
  return { summary, result };
}

/** The failure recorded when the client went away before the answer was complete. */
export const clientAborted = () =>
  new ProviderError('ClientAborted', 'The client disconnected before the answer was complete', { retryable: false });

/** Why an aborted call stopped: the server shutting down, or else the client leaving. */
export const abortedBy = (ctx: CaptureContext) => (ctx.lifecycle?.stopping ? serverStopping() : clientAborted());

export const promptOf = (messages: ChatMessage[]) => messages.map((m) => contentText(m.content ?? '')).join('\n');

/**
 * A chat call as its caller asks for it: a plan whose provider is the one to call and whose request
 * is still messages and params (chatPlan makes them into the request as sent).
 */
export type ChatCallSpec = Omit<CallPlan, 'provider' | 'modality' | 'request' | 'promptText'> & {
  provider: Provider;
  modality?: 'chat' | 'completion';
  messages: ChatMessage[];
  /** Everything else sent with the messages (temperature, tools, response_format…), forwarded untouched. */
  params: ChatParams;
};

/** The plan of a chat call: its request as sent is `params` (the spec's, unless given) with the model and messages, then `extra`. */
export function chatPlan(spec: ChatCallSpec, params: ChatParams = spec.params, extra: Record<string, unknown> = {}) {
  return {
    ...spec,
    provider: spec.provider.name,
    modality: spec.modality ?? 'chat',
    request: { ...params, model: spec.model, messages: spec.messages, ...extra },
    promptText: promptOf(spec.messages),
  } satisfies CallPlan;
}

/** One chat call through retries (shared with identical in-flight requests), captured. */
export async function chatCall(ctx: CaptureContext, spec: ChatCallSpec): Promise<Captured<ProviderResponse>> {
  return callAndCapture(ctx, {
    ...chatPlan(spec),
    attempt: (signal) => spec.provider.complete({ model: spec.model, messages: spec.messages, params: spec.params, signal }),
    outcome: successOutcome,
  });
}

export async function runChatCall(ctx: CaptureContext, spec: ChatCallSpec): Promise<CallSummary> {
  return (await chatCall(ctx, spec)).summary;
}

/** An embeddings answer as it is recorded: the vectors live in embedding_vectors (the cache), not in response_json. */
export function embeddingOutcome(result: EmbeddingResult): CallOutcome {
  return {
    ok: true,
    text: '',
    tokens: result.tokens,
    latencyMs: result.latencyMs,
    response: { model: result.model, vectors: result.vectors.length, dimension: result.vectors[0]?.length ?? 0, raw: result.raw },
  };
}
