// What a task is expected to cost, before it runs: input tokens from the filled-in prompt (its UTF-8
// bytes / 4, the usual rule of thumb for English text), output tokens from what the model answered
// before (or max_tokens, or a default), priced with the price table. The estimate route and the
// runners' spending cap both use it.
import { priceTokens, type PriceInForce } from '../../analytics/prices-repository';
import { filledPromptBytes, messagesBytes, type ScannedText } from '../../inference/prompt-fill';
import type { ChatMessage } from '../../providers/types';

export const BYTES_PER_TOKEN = 4;
/** Output tokens assumed for a model with no captured answers and no max_tokens. */
export const DEFAULT_OUTPUT_TOKENS = 256;
/** Latency assumed for a model with no captured answers. */
export const DEFAULT_LATENCY_MS = 2_000;

/** What the latest captured chat calls of a model tell (see history-repository.ts). */
export interface ModelHistory {
  /** Successful calls among the latest ones looked at. */
  calls: number;
  meanOutputTokens: number | null;
  meanLatencyMs: number | null;
}

export type OutputBasis = 'history' | 'max_tokens' | 'default';

export interface TaskPromptParts {
  prompt?: string | null;
  messages?: readonly ChatMessage[] | null;
  vars?: Record<string, string> | null;
}

/** The JSON around a prompt sent as one user message, which filledPromptBytes counts in. */
const USER_MESSAGE_BYTES = messagesBytes([{ role: 'user', content: '' }]);

/** Input tokens of one task, estimated from the bytes of its filled-in prompt (or of its messages as sent, JSON included). */
export function inputTokens(item: TaskPromptParts, template: ScannedText | null): number {
  const bytes = item.messages ? messagesBytes(item.messages) : filledPromptBytes(item, template).bytes - USER_MESSAGE_BYTES;
  return Math.ceil(bytes / BYTES_PER_TOKEN);
}

/** The target's max_tokens (or max_completion_tokens), when it sets one. */
export function maxOutputTokens(params: Record<string, unknown>): number | undefined {
  const value = params.max_completion_tokens ?? params.max_tokens;
  return typeof value === 'number' && value > 0 ? value : undefined;
}

/** Expected output tokens per task: the model's mean (never above max_tokens), else max_tokens, else the default. */
export function expectedOutputTokens(params: Record<string, unknown>, history: ModelHistory): { tokens: number; basis: OutputBasis } {
  const cap = maxOutputTokens(params);
  if (history.meanOutputTokens !== null) return { tokens: Math.min(history.meanOutputTokens, cap ?? Number.POSITIVE_INFINITY), basis: 'history' };
  if (cap !== undefined) return { tokens: cap, basis: 'max_tokens' };
  return { tokens: DEFAULT_OUTPUT_TOKENS, basis: 'default' };
}

/**
 * Output tokens a task is reserved at under a spending cap: max_tokens when the target sets it (the
 * most it can answer, so the cap holds whatever it answers), else the expected output.
 */
export function reservedOutputTokens(params: Record<string, unknown>, history: ModelHistory): number {
  return maxOutputTokens(params) ?? expectedOutputTokens(params, history).tokens;
}

/** Cost in USD of a task's tokens at a price; 0 without a price (its calls are captured unpriced). */
export function tokensCostUsd(price: PriceInForce | undefined, input: number, output: number): number {
  return priceTokens(price, input, output) ?? 0;
}
