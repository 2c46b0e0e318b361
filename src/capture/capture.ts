// Capture: every provider call ends in exactly one raw_calls row, success or failure, and one log line.
import type { RetryPolicy } from '../config';
import type { Database } from '../db/client';
import type { NewRawCall } from '../db/schema';
import { insertCall } from '../calls/repository';
import type { CallWriter } from './call-writer';
import { findPriceInForce, priceTokens } from '../analytics/prices-repository';
import type { Logger } from '../logging';
import type { ProviderError, ProviderResponse, TokenUsage } from '../providers/types';
import { chatCompletionAnswer } from './answer-shape';
import type { InflightRequests } from '../concurrency/inflight';
import type { Lifecycle } from './lifecycle';
import type { PriceBook } from '../analytics/price-book';
import { requestHash } from './request-hash';
import type { SecretScrubber } from './scrub-secrets';
import { storableJson } from './storable-json';

export interface CaptureContext {
  db: Database;
  logger: Logger;
  retry: RetryPolicy;
  redact: (text: string) => string;
  /** Removes configured secrets from what providers answer (see scrub-secrets.ts). */
  scrub?: SecretScrubber;
  /** Shares one provider call among identical requests in flight at the same moment. */
  inflight?: InflightRequests;
  /** Group-commits captured rows; without it each row is its own transaction. */
  writer?: CallWriter;
  /** Prices in memory; without it each capture looks its price up. */
  prices?: PriceBook;
  /** Provider calls in flight, for a graceful shutdown; its `stopping` signal cancels them. */
  lifecycle?: Lifecycle;
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

/** What came back from a provider, in the shape every capture path records. */
export type CallOutcome =
  | { ok: true; text: string; tokens: TokenUsage; latencyMs: number; response: Record<string, unknown> }
  | { ok: false; error: ProviderError; extra?: Record<string, unknown> };

/** A chat provider's answer as the outcome every capture path records (see answer-shape.ts for the shape). */
export function successOutcome(response: ProviderResponse): CallOutcome {
  const { text: _text, ...answer } = chatCompletionAnswer(response.raw);
  return {
    ok: true,
    text: response.text,
    tokens: response.tokens,
    latencyMs: response.latencyMs,
    response: { model: response.model, ...response.metadata, ...answer, raw: response.raw },
  };
}

/** Bookkeeping links of a captured row: set only by the batch runner and the conversation service. */
export interface CallLink {
  batchTaskId?: number;
  conversationId?: number;
}

/** The APIs a client can call us through: which one a captured call came in by. */
export type ClientApi = 'inference' | 'chat.completions' | 'completions' | 'responses' | 'embeddings';

/** Where a call came from: the HTTP request that made it (x-study-request-id) and the API it used. */
export interface CallOrigin {
  requestId?: string;
  clientApi?: ClientApi;
}

export interface CallRecord {
  provider: string;
  model: string;
  modality: 'chat' | 'completion' | 'embedding';
  /** The request as sent to the provider — never any key or auth header. */
  request: Record<string, unknown>;
  /** Defaults to the hash of {provider, request}. */
  requestHash?: string;
  outcome: CallOutcome;
  attempts: number;
  elapsedMs: number;
  metadata?: Record<string, unknown>;
  /** Text for the log line when LOG_PROMPTS=1. */
  promptText?: string;
  link?: CallLink;
  origin?: CallOrigin;
}

export async function recordCall(ctx: CaptureContext, record: CallRecord): Promise<CallSummary> {
  const createdAt = new Date().toISOString();
  const hash = record.requestHash ?? (await requestHash({ provider: record.provider, request: record.request }));
  const metadata = { ...record.metadata, attempts: record.attempts, total_ms: round(record.elapsedMs) };
  // Everything stored is made storable first: a provider call that was made always ends in a row.
  // Configured secrets are removed from all of it (a prompt or an answer may quote a key).
  const scrub = ctx.scrub ?? (<T>(value: T) => value);
  const common = {
    provider: record.provider,
    model: record.model,
    modality: record.modality,
    requestJson: storableJson(scrub(record.request)),
    requestHash: hash,
    metadataJson: storableJson(scrub(metadata)),
    createdAt,
    batchTaskId: record.link?.batchTaskId ?? null,
    conversationId: record.link?.conversationId ?? null,
    requestId: record.origin?.requestId ?? null,
    clientApi: record.origin?.clientApi ?? null,
  };
  const outcome = scrubOutcome(record.outcome, scrub);
  let summary: CallSummary;
  if (outcome.ok) {
    const price = ctx.prices
      ? await ctx.prices.priceAt(record.provider, record.model, createdAt)
      : await findPriceInForce(ctx.db, record.provider, record.model, createdAt);
    const id = await insertRow(ctx, record, {
      ...common,
      status: 'success',
      responseJson: storableJson({ text: outcome.text, ...outcome.response }),
      errorJson: null,
      latencyMs: round(outcome.latencyMs),
      tokensJson: { ...outcome.tokens },
      promptTokens: outcome.tokens.prompt,
      completionTokens: outcome.tokens.completion,
      totalTokens: outcome.tokens.total,
      costUsd: priceTokens(price, outcome.tokens.prompt, outcome.tokens.completion),
    });
    summary = { id, status: 'success', text: outcome.text, provider: record.provider, model: record.model, tokens: outcome.tokens, latency_ms: round(outcome.latencyMs) };
  } else {
    const failure = outcome.error;
    const error = {
      class: failure.errorClass,
      status: failure.status ?? null,
      message: ctx.redact(failure.message),
      attempts: record.attempts,
      retryable: failure.retryable,
      ...(failure.options.code ? { code: failure.options.code } : {}),
      ...outcome.extra,
    };
    const id = await insertRow(ctx, record, { ...common, status: 'failed', responseJson: null, errorJson: storableJson(error), latencyMs: round(record.elapsedMs), tokensJson: null });
    summary = {
      id,
      status: 'failed',
      text: null,
      provider: record.provider,
      model: record.model,
      tokens: null,
      latency_ms: round(record.elapsedMs),
      error: { class: error.class, status: error.status, message: error.message, attempts: record.attempts },
    };
  }
  logCall(ctx.logger, record, summary);
  return summary;
}

/**
 * Stores the row. A batch task holds at most one success row (a unique index); should a second
 * success for the same task ever arrive (a run taken over from a server that was only slow), the
 * answer is still kept — as a call of its own, not counted for the task — because the provider
 * was called and every call ends in a row.
 */
async function insertRow(ctx: CaptureContext, record: CallRecord, row: NewRawCall): Promise<number> {
  const insert = (r: NewRawCall) => (ctx.writer ? ctx.writer.insert(r) : insertCall(ctx.db, r));
  try {
    return await insert(row);
  } catch (error) {
    if (row.batchTaskId != null && isTaskSuccessTaken(error)) {
      return insert({ ...row, batchTaskId: null, metadataJson: { ...row.metadataJson, duplicate_of_batch_task: row.batchTaskId } });
    }
    ctx.logger.error({ event: 'capture_failed', provider: record.provider, model: record.model, status: row.status, error: ctx.redact(String(error)) });
    throw error;
  }
}

/** The outcome with configured secrets removed from the answer (a provider may echo a key back). */
function scrubOutcome(outcome: CallOutcome, scrub: SecretScrubber): CallOutcome {
  if (outcome.ok) return { ...outcome, text: scrub(outcome.text), response: scrub(outcome.response) };
  return outcome.extra ? { ...outcome, extra: scrub(outcome.extra) } : outcome;
}

const isTaskSuccessTaken = (error: unknown) => String((error as Error)?.message ?? error).includes('raw_calls.batch_task_id');

function logCall(logger: Logger, record: CallRecord, summary: CallSummary) {
  const line = {
    event: 'provider_call',
    call_id: summary.id,
    provider: summary.provider,
    model: summary.model,
    modality: record.modality,
    status: summary.status,
    attempts: record.attempts,
    ms: summary.latency_ms,
    ...(summary.error ? { error_class: summary.error.class, http_status: summary.error.status } : {}),
    ...(logger.logPrompts ? { prompt: record.promptText, response: summary.text } : {}),
  };
  if (summary.status === 'success') logger.info(line);
  else logger.error(line);
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
