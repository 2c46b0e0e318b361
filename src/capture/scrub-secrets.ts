// Configured secrets (provider keys, the access token, the database token) removed from data: what a
// provider answers is stored, indexed, relayed and shown only after this. Only the exact configured
// values are removed — variants (a key split in two, re-encoded, or cut across stream chunks) are not.

export type SecretScrubber = <T>(value: T) => T;

export const SECRET_PLACEHOLDER = '[redacted]';

/** For contexts built without secrets (tests, tools): nothing to remove. */
export const noSecrets: SecretScrubber = (value) => value;

/** Shorter values would match ordinary text; a secret holding another is removed whole (longest first). */
export function secretsToFind(secrets: readonly string[]): string[] {
  return [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces every secret in a string with the placeholder: one precompiled pass; the same string when none is there. */
export function secretTextScrubber(secrets: readonly string[]): ((text: string) => string) | undefined {
  const sorted = secretsToFind(secrets);
  if (!sorted.length) return undefined;
  const shortest = sorted[sorted.length - 1]!.length;
  const anySecret = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  return (text) => (text.length < shortest ? text : text.replace(anySecret, SECRET_PLACEHOLDER));
}

export function secretScrubber(secrets: readonly string[]): SecretScrubber {
  const scrubText = secretTextScrubber(secrets);
  // Nothing configured, nothing to find: no walk over every answer.
  if (!scrubText) return noSecrets;
  return <T>(value: T) => scrubStrings(value, scrubText) as T;
}

/**
 * `value` with `scrubText` applied to every string in it — keys too, at any depth — copying only the
 * objects and arrays on the way to a string it changed: an answer with no secret in it comes back as
 * the very same object, nothing allocated. Errors become {name, message, stack} (JSON.stringify would
 * drop all three); an object with toJSON (a date) is kept unless its JSON form held a secret; a cycle
 * becomes '[circular]'.
 */
export function scrubStrings(value: unknown, scrubText: (text: string) => string, ancestors = new Set<object>()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  if (ancestors.has(value)) return '[circular]';
  ancestors.add(value);
  try {
    if (value instanceof Error) {
      const { name, message, stack } = value;
      return scrubStrings({ ...value, name, message, stack }, scrubText, ancestors);
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const json: unknown = toJSON.call(value);
      const scrubbed = scrubStrings(json, scrubText, ancestors);
      return scrubbed === json ? value : scrubbed;
    }
    return Array.isArray(value) ? scrubArray(value, scrubText, ancestors) : scrubObject(value as Record<string, unknown>, scrubText, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function scrubArray(items: unknown[], scrubText: (text: string) => string, ancestors: Set<object>): unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const scrubbed = scrubStrings(item, scrubText, ancestors);
    if (copy === undefined && scrubbed !== item) copy = items.slice(0, i);
    copy?.push(scrubbed);
  }
  return copy ?? items;
}

function scrubObject(object: Record<string, unknown>, scrubText: (text: string) => string, ancestors: Set<object>): object {
  const keys = Object.keys(object);
  let copy: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = object[key];
    const scrubbedKey = scrubText(key);
    const scrubbed = scrubStrings(item, scrubText, ancestors);
    if (copy === undefined && (scrubbed !== item || scrubbedKey !== key)) {
      copy = {};
      for (let j = 0; j < i; j++) define(copy, keys[j]!, object[keys[j]!]);
    }
    if (copy) define(copy, scrubbedKey, scrubbed);
  }
  return copy ?? object;
}

// An own property even for "__proto__", which plain assignment would take for the prototype.
function define(object: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}
