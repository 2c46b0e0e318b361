// JSON in a model's answer, and a small JSONPath subset to read one value out of it.
// Paths are parsed into segments and walked over own properties only: nothing is evaluated.

export type JsonAnswer =
  | { ok: true; value: unknown; source: 'whole' | 'fenced' | 'embedded' }
  | { ok: false; error: string };

const FENCED_BLOCK = /```[ \t]*(?:json)?[ \t]*\r?\n([\s\S]*?)```/i;

/**
 * Parses the answer as JSON. Models often wrap JSON in a ```json fence or a sentence, so unless
 * `strict`, a first fenced block or the text from the first "{" (or "[") to the last "}" (or "]")
 * is tried when the whole answer is not JSON. `source` says which one parsed.
 */
export function parseJsonAnswer(text: string, { strict = false } = {}): JsonAnswer {
  const whole = tryParse(text);
  if (whole.ok || strict) return whole.ok ? { ok: true, value: whole.value, source: 'whole' } : whole;
  const fenced = FENCED_BLOCK.exec(text)?.[1];
  if (fenced !== undefined) {
    const parsed = tryParse(fenced);
    if (parsed.ok) return { ok: true, value: parsed.value, source: 'fenced' };
  }
  for (const [open, close] of [['{', '}'], ['[', ']']] as const) {
    const start = text.indexOf(open);
    const end = text.lastIndexOf(close);
    if (start === -1 || end <= start) continue;
    const parsed = tryParse(text.slice(start, end + 1));
    if (parsed.ok) return { ok: true, value: parsed.value, source: 'embedded' };
  }
  return whole;
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    // A deeply nested document can also overflow the stack: that is "not JSON we can use" too.
    return { ok: false, error: (error as Error).message };
  }
}

export type JsonPathSegment = string | number;

const MAX_JSON_PATH_CHARS = 500;
const NAME = /^\.([^.[\]\s]+)/;
const INDEX = /^\[(\d{1,9})\]/;
const QUOTED_KEY = /^\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/;

/**
 * Parses `$`, `$.a.b`, `$.items[0].name`, `$['key with spaces']` and `$["a.b"]` into segments.
 * No wildcards, filters, slices, recursive descent or negative indexes. Throws with the position
 * of the first thing it does not understand.
 */
export function parseJsonPath(path: string): JsonPathSegment[] {
  if (path.length > MAX_JSON_PATH_CHARS) throw new Error(`is longer than ${MAX_JSON_PATH_CHARS} characters`);
  if (!path.startsWith('$')) throw new Error('must start with "$"');
  const segments: JsonPathSegment[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const name = NAME.exec(rest);
    const index = name ? null : INDEX.exec(rest);
    const quoted = name || index ? null : QUOTED_KEY.exec(rest);
    const match = name ?? index ?? quoted;
    if (!match) throw new Error(`cannot read "${rest.slice(0, 20)}" at character ${path.length - rest.length + 1}; use .name, [0] or ['name']`);
    if (name) segments.push(name[1]!);
    else if (index) segments.push(Number(index[1]));
    else segments.push((match[1] ?? match[2]!).replace(/\\(.)/g, '$1'));
    rest = rest.slice(match[0].length);
  }
  return segments;
}

/** The value at the path: array indexes on arrays, keys on objects, own properties only. */
export function readJsonPath(value: unknown, segments: readonly JsonPathSegment[]): { found: true; value: unknown } | { found: false } {
  let current = value;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return { found: false };
      current = current[segment];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, segment)) return { found: false };
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}
