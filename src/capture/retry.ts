// Exponential backoff with jitter for transient provider errors; honours Retry-After.
import type { RetryPolicy } from '../config';
import type { ProviderError } from '../providers/types';
import { toProviderError } from '../providers/provider-errors';

export type RetryOutcome<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: ProviderError; attempts: number };

export interface RetryHooks {
  /** Called before every attempt; a batch uses it to hold all calls while the provider rate-limits. */
  beforeAttempt?: () => Promise<void>;
  onRetry?: (info: { attempt: number; delayMs: number; error: ProviderError }) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  signal?: AbortSignal;
}

const RETRY_AFTER_CEILING_MS = 5 * 60_000;

export function backoffDelayMs(attempt: number, policy: RetryPolicy, error: ProviderError, random = Math.random) {
  if (error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, RETRY_AFTER_CEILING_MS);
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return exponential / 2 + random() * (exponential / 2);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<RetryOutcome<T>> {
  const wait = hooks.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      await hooks.beforeAttempt?.();
      return { ok: true, value: await operation(attempt), attempts: attempt };
    } catch (thrown) {
      const error = toProviderError(thrown);
      const aborted = hooks.signal?.aborted ?? false;
      if (!error.retryable || attempt >= policy.maxAttempts || aborted) return { ok: false, error, attempts: attempt };
      const delayMs = backoffDelayMs(attempt, policy, error, hooks.random);
      hooks.onRetry?.({ attempt, delayMs, error });
      await wait(delayMs);
    }
  }
}
