// One provider call, made and captured the same way wherever it comes from — the JSON API, batches,
// conversations, the gateway's every endpoint and embeddings: retried on transient errors, shared
// with identical requests in flight when asked, counted as in flight for a graceful shutdown, and
// ended by exactly one captured row (recordCall) whatever happens.
import { addGroupMembers } from '../groups/repository';
import { contentText } from '../providers/message-text';
import { toProviderError } from '../providers/provider-errors';
import { ProviderError, type ChatMessage, type ChatParams, type EmbeddingResult, type Provider, type ProviderResponse } from '../providers/types';
import { recordCall, successOutcome, type CallLink, type CallOrigin, type CallOutcome, type CallSummary, type CaptureContext } from './capture';
import { serverStopping } from './lifecycle';
import { requestHash } from './request-hash';
import { withRetry, type RetryHooks, type RetryOutcome } from './retry';

export interface CallPlan<T> {
  provider: string;
  model: string;
  modality: 'chat' | 'completion' | 'embedding';
  /** The request as sent upstream (stored minus configured secrets). */
  request: Record<string, unknown>;
  /** Defaults to the hash of {provider, request}. */
  requestHash?: string;
  /** Text for the log line when LOG_PROMPTS=1. */
  promptText?: string;
  /** One attempt at the provider call; retried by the pipeline. */
  attempt(signal: AbortSignal): Promise<T>;
  /** What a success records; throwing a ProviderError (a malformed answer) records a failure instead. */
  outcome(value: T): CallOutcome;
  metadata?: Record<string, unknown>;
  link?: CallLink;
  origin?: CallOrigin;
  /** Once captured, the call joins this group (an open one: checked before the call is made). */
  groupId?: number;
  /** Aborted when the client goes away: the call is captured as ClientAborted. */
  controller?: AbortController;
  retryHooks?: RetryHooks;
  /** Identical requests in flight under the same key share one provider call (each still gets its row). */
  shareKey?: string;
}

export interface Captured<T> {
  summary: CallSummary;
  /** The provider's answer, or the failure that was captured (a malformed answer included). */
  result: RetryOutcome<T>;
}

export function callAndCapture<T>(ctx: CaptureContext, plan: CallPlan<T>): Promise<Captured<T>> {
  const controller = plan.controller ?? new AbortController();
  const work = makeAndCapture(ctx, plan, controller);
  return ctx.lifecycle ? ctx.lifecycle.track(work, controller) : work;
}

async function makeAndCapture<T>(ctx: CaptureContext, plan: CallPlan<T>, controller: AbortController): Promise<Captured<T>> {
  const started = performance.now();
  const signal = controller.signal;
  const call = () => withRetry(() => plan.attempt(signal), ctx.retry, { ...plan.retryHooks, signal });
  const { value: answered, shared } =
    ctx.inflight && plan.shareKey !== undefined ? await ctx.inflight.share(plan.shareKey, call) : { value: await call(), shared: false };
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
  const summary = await capturePlanned(ctx, plan, {
    outcome,
    attempts: answered.attempts,
    started,
    signal,
    metadata: shared ? { deduplicated: true } : {},
  });
  return { summary, result };
}

/** What every plan (a call, or a stream) says about the row it ends in. */
export type CapturedPlan = Pick<CallPlan<unknown>, 'provider' | 'model' | 'modality' | 'request' | 'requestHash' | 'promptText' | 'metadata' | 'link' | 'origin' | 'groupId'>;

/**
 * The one row a planned call ends in — marked client_aborted when the client went away (not when
 * the server is stopping) — and its membership of the plan's group.
 */
export async function capturePlanned(
  ctx: CaptureContext,
  plan: CapturedPlan,
  run: { outcome: CallOutcome; attempts: number; started: number; signal: AbortSignal; metadata: Record<string, unknown> },
): Promise<CallSummary> {
  const clientLeft = run.signal.aborted && !ctx.lifecycle?.stopping;
  const summary = await recordCall(ctx, {
    provider: plan.provider,
    model: plan.model,
    modality: plan.modality,
    request: plan.request,
    requestHash: plan.requestHash,
    outcome: run.outcome,
    attempts: run.attempts,
    elapsedMs: performance.now() - run.started,
    metadata: { ...plan.metadata, ...run.metadata, ...(clientLeft ? { client_aborted: true } : {}) },
    promptText: plan.promptText,
    link: plan.link,
    origin: plan.origin,
  });
  if (plan.groupId !== undefined) await addGroupMembers(ctx.db, plan.groupId, [summary.id]);
  return summary;
}

/** The failure recorded when the client went away before the answer was complete. */
export const clientAborted = () =>
  new ProviderError('ClientAborted', 'The client disconnected before the answer was complete', { retryable: false });

/** Why an aborted call stopped: the server shutting down, or else the client leaving. */
export const abortedBy = (ctx: CaptureContext) => (ctx.lifecycle?.stopping ? serverStopping() : clientAborted());

export const promptOf = (messages: ChatMessage[]) => messages.map((m) => contentText(m.content ?? '')).join('\n');

export interface ChatCallSpec extends Pick<CallPlan<ProviderResponse>, 'metadata' | 'link' | 'origin' | 'groupId' | 'controller' | 'retryHooks'> {
  provider: Provider;
  model: string;
  messages: ChatMessage[];
  /** Everything else sent with the messages (temperature, tools, response_format…), forwarded untouched. */
  params: ChatParams;
  /**
   * Part of the dedup identity besides provider and full request body: the sample index, so that
   * samples are never collapsed into one call unless the caller asks (then leave it undefined).
   * `null`: never share this call.
   */
  dedupScope?: string | number | null;
  modality?: 'chat' | 'completion';
}

/** One chat call through retries (shared with identical in-flight requests), captured. */
export async function chatCall(ctx: CaptureContext, spec: ChatCallSpec): Promise<Captured<ProviderResponse>> {
  const request = { ...spec.params, model: spec.model, messages: spec.messages };
  const hash = await requestHash({ provider: spec.provider.name, request });
  return callAndCapture(ctx, {
    provider: spec.provider.name,
    model: spec.model,
    modality: spec.modality ?? 'chat',
    request,
    requestHash: hash,
    promptText: promptOf(spec.messages),
    attempt: (signal) => spec.provider.complete({ model: spec.model, messages: spec.messages, params: spec.params, signal }),
    outcome: successOutcome,
    metadata: spec.metadata,
    link: spec.link,
    origin: spec.origin,
    groupId: spec.groupId,
    controller: spec.controller,
    retryHooks: spec.retryHooks,
    shareKey: spec.dedupScope === null ? undefined : `${hash}#${spec.dedupScope ?? ''}`,
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
