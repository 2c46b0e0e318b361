// JSON the database will always accept. SQLite refuses JSON nested deeper than 1,000 levels (and
// json_extract in our triggers with it), so a request nested that deep used to reach the provider and
// then fail to be stored: a billed call with no row. Requests are refused before any work when they
// nest deeper than MAX_JSON_DEPTH; what providers send back is made storable instead of refused.

/** Deepest nesting accepted in a request body, caller metadata or any other JSON we store. */
export const MAX_JSON_DEPTH = 64;

export interface DepthProblem {
  /** Where the limit was crossed, from the top of the value (first few steps only). */
  path: Array<string | number>;
  depth: number;
}

/**
 * The first place `value` nests deeper than `maxDepth` (a scalar is depth 0, `{}` and `[]` depth 1),
 * or undefined. Iterative, so a value nested a million levels deep cannot overflow the stack.
 */
export function findDepthProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): DepthProblem | undefined {
  const stack: Array<{ value: unknown; depth: number; path: Array<string | number> }> = [{ value, depth: 0, path: [] }];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.value === null || typeof node.value !== 'object') continue;
    const depth = node.depth + 1;
    if (depth > maxDepth) return { path: node.path.slice(0, 3), depth };
    const entries: Array<[string | number, unknown]> = Array.isArray(node.value)
      ? node.value.map((v, i) => [i, v])
      : Object.entries(node.value as Record<string, unknown>);
    for (const [key, child] of entries) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth, path: node.path.length < 3 ? [...node.path, key] : node.path });
    }
  }
  return undefined;
}

/**
 * `value` with every part nested deeper than `maxDepth` replaced by its JSON text (a string, which
 * any depth of storage accepts): nothing a provider answered is dropped, and the row always stores.
 */
export function storableJson<T>(value: T, maxDepth = MAX_JSON_DEPTH): T {
  if (!findDepthProblem(value, maxDepth)) return value;
  return flatten(value, maxDepth) as T;
}

function flatten(value: unknown, levelsLeft: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (levelsLeft <= 1) return jsonText(value);
  if (Array.isArray(value)) return value.map((v) => flatten(v, levelsLeft - 1));
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, flatten(v, levelsLeft - 1)]));
}

function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    // Deep enough to overflow the encoder's stack: say so rather than lose the row.
    return '[not stored: nested too deep to encode]';
  }
}
