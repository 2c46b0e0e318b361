// Deterministic identity of a request: SHA-256 over canonical JSON (object keys sorted).
import { createHash } from 'node:crypto';
import type { CallPlan } from './call-plan';

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

// node:crypto (also on Workers with nodejs_compat): hashing is on every capture's hot path, and
// its synchronous digest costs a fraction of WebCrypto's async round trip.
export async function sha256Hex(text: string): Promise<string> {
  return createHash('sha256').update(text).digest('hex');
}

export const requestHash = (value: unknown) => sha256Hex(canonicalJson(value));

/** A call's identity, stored as raw_calls.request_hash and keying dedup: its provider and its request as sent. */
export const planHash = (plan: Pick<CallPlan, 'provider' | 'request'>) => requestHash({ provider: plan.provider, request: plan.request });
