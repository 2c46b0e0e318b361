import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../providers/provider-errors';
import { ProviderError } from '../providers/types';
import { backoffDelayMs, withRetry } from './retry';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };
const transient = new ProviderError('InternalServerError', 'boom', { status: 503, retryable: true });

describe('retry policy', () => {
  it('backs off exponentially with jitter, capped at the maximum', () => {
    expect(backoffDelayMs(1, policy, transient, () => 0)).toBe(50);
    expect(backoffDelayMs(1, policy, transient, () => 1)).toBe(100);
    expect(backoffDelayMs(3, policy, transient, () => 1)).toBe(400);
    expect(backoffDelayMs(10, policy, transient, () => 1)).toBe(1000);
  });

  it('uses Retry-After when the provider gives one', () => {
    const limited = new ProviderError('RateLimitError', 'slow down', { status: 429, retryable: true, retryAfterMs: 2500 });
    expect(backoffDelayMs(1, policy, limited)).toBe(2500);
  });

  it('reads Retry-After as seconds, milliseconds or an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '3' }))).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6000);
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });

  it('stops at once on a non-retryable error and counts attempts', async () => {
    const waits: number[] = [];
    let calls = 0;
    const outcome = await withRetry(
      async () => {
        calls++;
        throw calls < 3 ? transient : new ProviderError('AuthenticationError', 'no', { status: 401, retryable: false });
      },
      policy,
      { sleep: async (ms) => void waits.push(ms) },
    );
    expect(outcome).toMatchObject({ ok: false, attempts: 3 });
    expect(waits).toHaveLength(2);
  });

  it('gives up after the maximum number of attempts', async () => {
    const outcome = await withRetry(async () => Promise.reject(transient), policy, { sleep: async () => {} });
    expect(outcome).toMatchObject({ ok: false, attempts: 4 });
  });
});
