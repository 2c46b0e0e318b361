// Deterministic identity of a request: SHA-256 over canonical JSON (object keys sorted).
import { createHash } from 'node:crypto';
import type { CallPlan } from './call-plan';

/**
 * JSON with every object's keys sorted (and undefined-valued keys left out): what JSON.stringify
 * writes for a copy of `value` rebuilt from each object's sorted own keys — written directly, as
 * this runs on every captured call. Any object counts only by its own keys (a date writes {}), as the
 * rebuilt copy would, and keys that are array indices come first in numeric order, as they do in any
 * JavaScript object.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value) as string;
}

function canonical(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      break;
    default:
      // undefined, functions and symbols: left out of objects, null in arrays.
      return undefined;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += `${i ? ',' : ''}${canonical(value[i]) ?? 'null'}`;
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  let out = '{';
  for (const key of sortedKeys(object)) {
    const encoded = canonical(object[key]);
    if (encoded !== undefined) out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${encoded}`;
  }
  return `${out}}`;
}

const isArrayIndex = (key: string) => /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295;

/** Object.keys lists array-index keys first, in numeric order; the others are sorted after them. */
function sortedKeys(object: object): string[] {
  const keys = Object.keys(object);
  let indices = 0;
  while (indices < keys.length && isArrayIndex(keys[indices]!)) indices++;
  if (!indices) return keys.sort();
  return [...keys.slice(0, indices), ...keys.slice(indices).sort()];
}

// node:crypto (also on Workers with nodejs_compat): hashing is on every capture's hot path, and
// its synchronous digest costs a fraction of WebCrypto's async round trip.
export async function sha256Hex(text: string): Promise<string> {
  return createHash('sha256').update(text).digest('hex');
}

export const requestHash = (value: unknown) => sha256Hex(canonicalJson(value));

/** A call's identity, stored as raw_calls.request_hash and keying dedup: its provider and its request as sent. */
export const planHash = (plan: Pick<CallPlan, 'provider' | 'request'>) => requestHash({ provider: plan.provider, request: plan.request });
