// Capture: every provider call ends in exactly one raw_calls row, success or failure, and one log line.
import type { RetryPolicy } from '../config';
import type { Database } from '../db/client';
import type { NewRawCall } from '../db/schema';
import { insertCall } from '../calls/repository';
import { addGroupMembers } from '../groups/repository';
import type { CallWriter } from './call-writer';
import { findPriceInForce, priceTokens } from '../analytics/prices-repository';
import type { Logger } from '../logging';
import type { ProviderResponse, TokenUsage } from '../providers/types';
import { chatCompletionAnswer, servedIdentity } from './answer-shape';
import type { CallOutcome, CallPlan, CallRun } from './call-plan';
import type { InflightRequests } from '../concurrency/inflight';
import type { Lifecycle } from './lifecycle';
import type { PriceBook } from '../analytics/price-book';
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

/**
 * The one row a planned call ends in, from the plan and what its run found out — marked
 * client_aborted when the client went away (not when the server is stopping) — then its membership
 * of the plan's group.
 */
export async function recordCall(ctx: CaptureContext, plan: CallPlan, run: CallRun): Promise<CallSummary> {
  const createdAt = new Date().toISOString();
  const clientLeft = plan.controller?.signal.aborted && !ctx.lifecycle?.stopping;
  const metadata = {
    ...plan.metadata,
    ...run.metadata,
    ...(clientLeft ? { client_aborted: true } : {}),
    attempts: run.attempts,
    total_ms: round(run.elapsedMs),
  };
  // Everything stored is made storable first: a provider call that was made always ends in a row.
  // Configured secrets are removed from all of it (a prompt or an answer may quote a key).
  const scrub = ctx.scrub ?? (<T>(value: T) => value);
  const common = {
    provider: plan.provider,
    model: plan.model,
    modality: plan.modality,
    requestJson: storableJson(scrub(plan.request)),
    requestHash: run.requestHash,
    metadataJson: storableJson(scrub(metadata)),
    createdAt,
    batchTaskId: plan.link?.batchTaskId ?? null,
    conversationId: plan.link?.conversationId ?? null,
    requestId: plan.origin?.requestId ?? null,
    clientApi: plan.origin?.clientApi ?? null,
  };
  const outcome = scrubOutcome(run.outcome, scrub);
  let summary: CallSummary;
  if (outcome.ok) {
    const price = ctx.prices
      ? await ctx.prices.priceAt(plan.provider, plan.model, createdAt)
      : await findPriceInForce(ctx.db, plan.provider, plan.model, createdAt);
    const id = await insertRow(ctx, plan, {
      ...common,
      status: 'success',
      responseJson: storableJson({ text: outcome.text, ...outcome.response }),
      ...servedIdentity(outcome.response),
      errorJson: null,
      latencyMs: round(outcome.latencyMs),
      tokensJson: { ...outcome.tokens },
      promptTokens: outcome.tokens.prompt,
      completionTokens: outcome.tokens.completion,
      totalTokens: outcome.tokens.total,
      costUsd: priceTokens(price, outcome.tokens.prompt, outcome.tokens.completion),
    });
    summary = { id, status: 'success', text: outcome.text, provider: plan.provider, model: plan.model, tokens: outcome.tokens, latency_ms: round(outcome.latencyMs) };
  } else {
    const failure = outcome.error;
    const error = {
      class: failure.errorClass,
      status: failure.status ?? null,
      message: ctx.redact(failure.message),
      attempts: run.attempts,
      retryable: failure.retryable,
      ...(failure.options.code ? { code: failure.options.code } : {}),
      ...outcome.extra,
    };
    const id = await insertRow(ctx, plan, { ...common, status: 'failed', responseJson: null, errorJson: storableJson(error), latencyMs: round(run.elapsedMs), tokensJson: null });
    summary = {
      id,
      status: 'failed',
      text: null,
      provider: plan.provider,
      model: plan.model,
      tokens: null,
      latency_ms: round(run.elapsedMs),
      error: { class: error.class, status: error.status, message: error.message, attempts: run.attempts },
    };
  }
  logCall(ctx.logger, plan, run, summary);
  if (plan.groupId !== undefined) await addGroupMembers(ctx.db, plan.groupId, [summary.id]);
  return summary;
}

/**
 * Stores the row. A batch task holds at most one success row (a unique index); should a second
 * success for the same task ever arrive (a run taken over from a server that was only slow), the
 * answer is still kept — as a call of its own, not counted for the task — because the provider
 * was called and every call ends in a row.
 */
async function insertRow(ctx: CaptureContext, plan: CallPlan, row: NewRawCall): Promise<number> {
  const insert = (r: NewRawCall) => (ctx.writer ? ctx.writer.insert(r) : insertCall(ctx.db, r));
  try {
    return await insert(row);
  } catch (error) {
    if (row.batchTaskId != null && isTaskSuccessTaken(error)) {
      return insert({ ...row, batchTaskId: null, metadataJson: { ...row.metadataJson, duplicate_of_batch_task: row.batchTaskId } });
    }
    ctx.logger.error({ event: 'capture_failed', provider: plan.provider, model: plan.model, status: row.status, error: ctx.redact(String(error)) });
    throw error;
  }
}

/** The outcome with configured secrets removed from the answer (a provider may echo a key back). */
function scrubOutcome(outcome: CallOutcome, scrub: SecretScrubber): CallOutcome {
  if (outcome.ok) return { ...outcome, text: scrub(outcome.text), response: scrub(outcome.response) };
  return outcome.extra ? { ...outcome, extra: scrub(outcome.extra) } : outcome;
}

const isTaskSuccessTaken = (error: unknown) => String((error as Error)?.message ?? error).includes('raw_calls.batch_task_id');

function logCall(logger: Logger, plan: CallPlan, run: CallRun, summary: CallSummary) {
  const line = {
    event: 'provider_call',
    call_id: summary.id,
    provider: summary.provider,
    model: summary.model,
    modality: plan.modality,
    status: summary.status,
    attempts: run.attempts,
    ms: summary.latency_ms,
    ...(summary.error ? { error_class: summary.error.class, http_status: summary.error.status } : {}),
    ...(logger.logPrompts ? { prompt: plan.promptText, response: summary.text } : {}),
  };
  if (summary.status === 'success') logger.info(line);
  else logger.error(line);
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
