// Gateway calls answered in one piece (chat, embeddings): forwarded as sent, retried, captured like inference.
import { addGroupMembers } from '../db/groups-repository';
import { contentText } from '../providers/echo';
import { ProviderError, type ChatMessage, type ChatParams, type EmbeddingResult, type Provider, type ProviderResponse } from '../providers/types';
import { recordCall, successOutcome, type CallOutcome, type CallRecord, type CallSummary, type CaptureContext } from './capture';
import { serverStopping } from './lifecycle';
import { withRetry, type RetryOutcome } from './retry';

/** What every gateway call carries besides its body: where it is filed and how to stop it. */
export interface GatewayCallOptions {
  /** x-study-metadata, source, preprocessing applied, group id — merged into metadata_json. */
  metadata: Record<string, unknown>;
  /** x-study-group, resolved: the captured call is added to this group. */
  groupId?: number;
  /** Aborts when the client goes away (captured with `client_aborted`) or when a stopping server gives up waiting. */
  controller?: AbortController;
}

export interface GatewayChatSpec extends GatewayCallOptions {
  provider: Provider;
  /** The model as the provider knows it (the gateway's `provider/` prefix removed). */
  model: string;
  messages: ChatMessage[];
  /** Everything else the client sent (temperature, tools, response_format…), forwarded untouched. */
  params: ChatParams;
}

export interface GatewayEmbeddingSpec extends GatewayCallOptions {
  provider: Provider & Required<Pick<Provider, 'embed'>>;
  model: string;
  texts: string[];
  dimensions?: number;
  encodingFormat?: 'float' | 'base64';
}

export function runGatewayChat(ctx: CaptureContext, spec: GatewayChatSpec) {
  return tracked(ctx, gatewayChat(ctx, spec), spec.controller);
}

async function gatewayChat(
  ctx: CaptureContext,
  spec: GatewayChatSpec,
): Promise<{ summary: CallSummary; result: RetryOutcome<ProviderResponse> }> {
  const request = { ...spec.params, model: spec.model, messages: spec.messages };
  const started = performance.now();
  const result = await withRetry(
    () => spec.provider.complete({ model: spec.model, messages: spec.messages, params: spec.params, signal: spec.controller?.signal }),
    ctx.retry,
    { signal: spec.controller?.signal },
  );
  const outcome: CallOutcome = result.ok
    ? successOutcome(result.value)
    : { ok: false, error: spec.controller?.signal.aborted ? abortedBy(ctx) : result.error };
  const summary = await captureGatewayCall(ctx, spec, {
    provider: spec.provider.name,
    model: spec.model,
    modality: 'chat',
    request,
    outcome,
    attempts: result.attempts,
    elapsedMs: performance.now() - started,
    promptText: promptOf(spec.messages),
  });
  return { summary, result };
}

export function runGatewayEmbedding(ctx: CaptureContext, spec: GatewayEmbeddingSpec) {
  return tracked(ctx, gatewayEmbedding(ctx, spec), spec.controller);
}

async function gatewayEmbedding(
  ctx: CaptureContext,
  spec: GatewayEmbeddingSpec,
): Promise<{ summary: CallSummary; result: RetryOutcome<EmbeddingResult> }> {
  const request = {
    model: spec.model,
    input: spec.texts,
    ...(spec.dimensions ? { dimensions: spec.dimensions } : {}),
    ...(spec.encodingFormat ? { encoding_format: spec.encodingFormat } : {}),
  };
  const started = performance.now();
  const result = await withRetry(
    () => spec.provider.embed(spec.texts, spec.model, { dimensions: spec.dimensions, encodingFormat: spec.encodingFormat, signal: spec.controller?.signal }),
    ctx.retry,
    { signal: spec.controller?.signal },
  );
  // The vectors themselves are not kept in response_json: they belong in embedding_vectors (the cache).
  const outcome: CallOutcome = result.ok
    ? {
        ok: true,
        text: '',
        tokens: result.value.tokens,
        latencyMs: result.value.latencyMs,
        response: {
          model: result.value.model,
          vectors: result.value.vectors.length,
          dimension: result.value.vectors[0]?.length ?? 0,
          raw: result.value.raw,
        },
      }
    : { ok: false, error: spec.controller?.signal.aborted ? abortedBy(ctx) : result.error };
  const summary = await captureGatewayCall(ctx, spec, {
    provider: spec.provider.name,
    model: spec.model,
    modality: 'embedding',
    request,
    outcome,
    attempts: result.attempts,
    elapsedMs: performance.now() - started,
    promptText: spec.texts.join('\n'),
  });
  return { summary, result };
}

/** recordCall with the gateway's metadata, then the group membership the x-study-group header asked for. */
export async function captureGatewayCall(
  ctx: CaptureContext,
  options: GatewayCallOptions,
  record: Omit<CallRecord, 'metadata'>,
  extraMetadata?: Record<string, unknown>,
): Promise<CallSummary> {
  const metadata = {
    ...options.metadata,
    ...extraMetadata,
    ...(options.controller?.signal.aborted && !ctx.lifecycle?.stopping ? { client_aborted: true } : {}),
  };
  const summary = await recordCall(ctx, { ...record, metadata });
  if (options.groupId !== undefined) await addGroupMembers(ctx.db, options.groupId, [summary.id]);
  return summary;
}

/** The failure recorded when the client went away before the answer was complete. */
export const clientAborted = () =>
  new ProviderError('ClientAborted', 'The client disconnected before the answer was complete', { retryable: false });

/** Why an aborted gateway call stopped: the server shutting down, or else the client leaving. */
export const abortedBy = (ctx: CaptureContext) => (ctx.lifecycle?.stopping ? serverStopping() : clientAborted());

/** Counts gateway work as in flight, with the controller a stopping server aborts. */
export const tracked = <T>(ctx: CaptureContext, work: Promise<T>, controller?: AbortController): Promise<T> =>
  ctx.lifecycle ? ctx.lifecycle.track(work, controller) : work;

export const promptOf = (messages: ChatMessage[]) => messages.map((m) => contentText(m.content ?? '')).join('\n');
