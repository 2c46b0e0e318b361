// Runs one chat call through retries and captures it in raw_calls: exactly one row, success or failure.
import type { RetryPolicy } from '../config';
import type { Database } from '../db/client';
import { insertCall } from '../db/calls-repository';
import { findPriceInForce, priceTokens } from '../db/prices-repository';
import type { Logger } from '../logging';
import type { ChatMessage, ChatParams, Provider, ProviderError, ProviderResponse, TokenUsage } from '../providers/types';
import { contentText } from '../providers/echo';
import { requestHash } from './request-hash';
import { withRetry, type RetryHooks } from './retry';

export interface CaptureContext {
  db: Database;
  logger: Logger;
  retry: RetryPolicy;
  redact: (text: string) => string;
}

export interface ChatCallSpec {
  provider: Provider;
  model: string;
  messages: ChatMessage[];
  params: ChatParams;
  metadata?: Record<string, unknown>;
  signal?: AbortSignal;
  retryHooks?: RetryHooks;
}

export interface CallSummary {
  id: number;
  status: 'success' | 'failed';
  text: string | null;
  provider: string;
  model: string;
  tokens: TokenUsage | null;
  latency_ms: number;
  error?: { class: string; status: number | null; message: string; attempts: number };
}

export async function runChatCall(ctx: CaptureContext, spec: ChatCallSpec): Promise<CallSummary> {
  const request = { ...spec.params, model: spec.model, messages: spec.messages };
  const hash = await requestHash({ provider: spec.provider.name, request });
  const started = performance.now();
  const outcome = await withRetry(
    () => spec.provider.complete({ model: spec.model, messages: spec.messages, params: spec.params, signal: spec.signal }),
    ctx.retry,
    { ...spec.retryHooks, signal: spec.signal },
  );
  const elapsedMs = performance.now() - started;
  const summary = outcome.ok
    ? await captureSuccess(ctx, spec, request, hash, outcome.value, outcome.attempts, elapsedMs)
    : await captureFailure(ctx, spec, request, hash, outcome.error, outcome.attempts, elapsedMs);
  logCall(ctx.logger, spec, summary, outcome.attempts);
  return summary;
}

async function captureSuccess(
  ctx: CaptureContext,
  spec: ChatCallSpec,
  request: Record<string, unknown>,
  hash: string,
  response: ProviderResponse,
  attempts: number,
  elapsedMs: number,
): Promise<CallSummary> {
  const createdAt = new Date().toISOString();
  const price = await findPriceInForce(ctx.db, spec.provider.name, spec.model, createdAt);
  const id = await insertCall(ctx.db, {
    provider: spec.provider.name,
    model: spec.model,
    modality: 'chat',
    status: 'success',
    requestJson: request,
    responseJson: { text: response.text, model: response.model, ...response.metadata, raw: response.raw },
    errorJson: null,
    latencyMs: round(response.latencyMs),
    tokensJson: { ...response.tokens },
    promptTokens: response.tokens.prompt,
    completionTokens: response.tokens.completion,
    totalTokens: response.tokens.total,
    costUsd: priceTokens(price, response.tokens.prompt, response.tokens.completion),
    requestHash: hash,
    metadataJson: { ...spec.metadata, attempts, total_ms: round(elapsedMs) },
    createdAt,
  });
  return {
    id,
    status: 'success',
    text: response.text,
    provider: spec.provider.name,
    model: spec.model,
    tokens: response.tokens,
    latency_ms: round(response.latencyMs),
  };
}

async function captureFailure(
  ctx: CaptureContext,
  spec: ChatCallSpec,
  request: Record<string, unknown>,
  hash: string,
  failure: ProviderError,
  attempts: number,
  elapsedMs: number,
): Promise<CallSummary> {
  const error = {
    class: failure.errorClass,
    status: failure.status ?? null,
    message: ctx.redact(failure.message),
    attempts,
    retryable: failure.retryable,
    ...(failure.options.code ? { code: failure.options.code } : {}),
  };
  const id = await insertCall(ctx.db, {
    provider: spec.provider.name,
    model: spec.model,
    modality: 'chat',
    status: 'failed',
    requestJson: request,
    responseJson: null,
    errorJson: error,
    latencyMs: round(elapsedMs),
    tokensJson: null,
    requestHash: hash,
    metadataJson: { ...spec.metadata, attempts, total_ms: round(elapsedMs) },
    createdAt: new Date().toISOString(),
  });
  return {
    id,
    status: 'failed',
    text: null,
    provider: spec.provider.name,
    model: spec.model,
    tokens: null,
    latency_ms: round(elapsedMs),
    error: { class: error.class, status: error.status, message: error.message, attempts },
  };
}

function logCall(logger: Logger, spec: ChatCallSpec, summary: CallSummary, attempts: number) {
  const record = {
    event: 'provider_call',
    call_id: summary.id,
    provider: summary.provider,
    model: summary.model,
    status: summary.status,
    attempts,
    ms: summary.latency_ms,
    ...(summary.error ? { error_class: summary.error.class, http_status: summary.error.status } : {}),
    ...(logger.logPrompts
      ? { prompt: spec.messages.map((m) => contentText(m.content)).join('\n'), response: summary.text }
      : {}),
  };
  if (summary.status === 'success') logger.info(record);
  else logger.error(record);
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
