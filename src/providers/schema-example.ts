// A deterministic value that validates against a JSON Schema: the echo provider's structured answers and tool arguments.
// The schema is the caller's, so what it may cost is bounded: its size, depth and $ref expansion are
// checked first, its patterns run on the linear-time engine, and one answer gets a budget of values and
// bytes (a schema asking for more is refused, naming what asked).
import { encodePointer } from '@cfworker/json-schema';
import { schemaExpansionProblem, schemaPatterns, schemaShapeProblem } from '../patterns/schema-bounds';
import { compileUserRegex, regexProblem } from '../patterns/user-regex';

type Schema = Record<string, unknown>;

const MAX_DEPTH = 32;
/** Values (and schema steps) echo generates for one answer, every choice together: some tens of milliseconds (~2 µs each). */
export const MAX_EXAMPLE_VALUES = 25_000;
/** The JSON echo writes for one answer, every choice together. */
export const MAX_EXAMPLE_BYTES = 1_000_000;
/** Regex work (program instructions × characters) spent testing strings against patterns for one answer: a few tens of milliseconds at most. */
const MAX_PATTERN_WORK = 500_000;

/** What one answer has spent; pass the same budget to every schemaExample of one answer. */
export class ExampleBudget {
  values = 0;
  bytes = 0;
  patternWork = 0;
}

/** Candidates per string format, first one that also fits the schema's pattern wins. */
const FORMAT_EXAMPLES: Record<string, string[]> = {
  'date-time': ['2024-01-01T00:00:00Z'],
  date: ['2024-01-01'],
  time: ['00:00:00Z', '00:00:00'],
  duration: ['P1D'],
  email: ['user@example.com'],
  'idn-email': ['user@example.com'],
  hostname: ['example.com'],
  'idn-hostname': ['example.com'],
  ipv4: ['192.0.2.1'],
  ipv6: ['2001:db8::1'],
  uri: ['https://example.com/'],
  'uri-reference': ['https://example.com/'],
  iri: ['https://example.com/'],
  'iri-reference': ['https://example.com/'],
  url: ['https://example.com/'],
  'uri-template': ['https://example.com/{id}'],
  uuid: ['00000000-0000-4000-8000-000000000000'],
  'json-pointer': ['/example'],
  'relative-json-pointer': ['0'],
  regex: ['^example$'],
};
/** Tried when a pattern rejects the first choice; patterns beyond these are not generated. */
const PATTERN_FALLBACKS = ['a', 'A', '0', 'abc', 'ABC', '123', 'a1', 'example'];

/**
 * A value for `schema`, the same every time for the same `variant` (choices and array items use different
 * variants, so enums, strings, numbers and booleans differ between them). Objects get their required
 * properties, arrays their minItems, unions their first non-null branch, refs resolve to $defs/definitions.
 * Throws for schemas no value can satisfy or that recurse through required properties, for schemas too
 * large or with patterns the linear-time engine cannot run, and when the value would exceed `budget`.
 */
export function schemaExample(schema: unknown, variant = 0, budget = new ExampleBudget()): unknown {
  const problem = schemaProblem(schema);
  if (problem) throw new Error(problem);
  return exampleOf(schema, { root: schema, variant, budget, path: [] }, 0);
}

interface Context {
  root: unknown;
  variant: number;
  budget: ExampleBudget;
  /** Where in the answer the value goes (keys and indexes, pushed and popped as generation descends), for messages. */
  path: Array<string | number>;
}

// A request's schema is the same object for each of its n choices: checked once.
const checked = new WeakMap<object, string | null>();

function schemaProblem(schema: unknown): string | null {
  if (typeof schema !== 'object' || schema === null) return null;
  if (checked.has(schema)) return checked.get(schema)!;
  const problem =
    schemaShapeProblem(schema) ??
    schemaExpansionProblem(schema, (node) => {
      try {
        return resolveRef(String(node.$ref), schema);
      } catch {
        return undefined;
      }
    }) ??
    patternProblem(schema);
  checked.set(schema, problem);
  return problem;
}

function patternProblem(schema: unknown): string | null {
  for (const { pattern, at } of schemaPatterns(schema)) {
    const problem = regexProblem(pattern, 'u');
    if (problem) return `pattern "${pattern}" (at ${at}): ${problem.message}`;
  }
  return null;
}

const where = (ctx: Context) => `#${ctx.path.map((segment) => `/${encodePointer(String(segment))}`).join('')}`;

function spendValues(ctx: Context, count: number, asking: string) {
  ctx.budget.values += count;
  if (ctx.budget.values > MAX_EXAMPLE_VALUES) {
    throw new Error(`${asking} (at ${where(ctx)}) needs more than the ${MAX_EXAMPLE_VALUES.toLocaleString('en-US')} values echo generates for one answer`);
  }
}

function spendBytes(ctx: Context, count: number, asking: string) {
  ctx.budget.bytes += count;
  if (ctx.budget.bytes > MAX_EXAMPLE_BYTES) {
    throw new Error(`${asking} (at ${where(ctx)}) makes the answer larger than the ${MAX_EXAMPLE_BYTES.toLocaleString('en-US')} bytes echo writes for one answer`);
  }
}

/** Charges the bytes a value adds to the answer, as JSON, and returns it. */
function spendValueBytes(value: unknown, ctx: Context, asking: string): unknown {
  spendBytes(ctx, JSON.stringify(value)?.length ?? 4, asking);
  return value;
}

function exampleOf(schema: unknown, ctx: Context, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new Error('the schema nests too deeply for an example (does a required property recurse?)');
  spendValues(ctx, 1, 'the schema');
  if (schema === false) throw new Error('no value satisfies the schema `false`');
  if (!isSchema(schema)) return null;
  if (typeof schema.$ref === 'string') {
    const { $ref, ...siblings } = schema;
    return exampleOf({ ...asSchema(resolveRef($ref, ctx.root)), ...siblings }, ctx, depth + 1);
  }
  if ('const' in schema) return spendValueBytes(schema.const, ctx, 'const');
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return spendValueBytes(schema.enum[ctx.variant % schema.enum.length], ctx, 'enum');
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) {
      const { [key]: _, ...rest } = schema;
      return exampleOf({ ...rest, ...asSchema(firstNonNull(branches)) }, ctx, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    return exampleOf(mergeSchemas([rest, ...allOf.map(asSchema)]), ctx, depth + 1);
  }
  switch (typeOf(schema)) {
    case 'object':
      return objectExample(schema, ctx, depth);
    case 'array':
      return arrayExample(schema, ctx, depth);
    case 'string':
      return stringExample(schema, ctx);
    case 'integer':
      return spendValueBytes(numberExample(schema, true, ctx.variant), ctx, 'a number');
    case 'number':
      return spendValueBytes(numberExample(schema, false, ctx.variant), ctx, 'a number');
    case 'boolean':
      return spendValueBytes(ctx.variant % 2 === 0, ctx, 'a boolean');
    default:
      return spendValueBytes(null, ctx, 'a null');
  }
}

function objectExample(schema: Schema, ctx: Context, depth: number): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string') : [];
  const additional = schema.additionalProperties ?? true;
  const minProperties = numberOr(schema.minProperties, 0);
  // Refused before any property is made, so a huge minProperties costs nothing.
  if (ctx.budget.values + minProperties > MAX_EXAMPLE_VALUES) spendValues(ctx, minProperties, `minProperties ${minProperties}`);
  const out: Record<string, unknown> = {};
  let count = 0;
  const add = (key: string) => {
    spendBytes(ctx, key.length + 4, 'a property name');
    ctx.path.push(key);
    out[key] = exampleOf(Object.hasOwn(properties, key) ? properties[key] : additional, ctx, depth + 1);
    ctx.path.pop();
    count += 1;
  };
  for (const key of required) if (!Object.hasOwn(out, key)) add(key);
  for (const key of Object.keys(properties)) {
    if (count >= minProperties) break;
    if (!Object.hasOwn(out, key)) add(key);
  }
  for (let i = 0; count < minProperties && additional !== false; i++) if (!Object.hasOwn(out, `extra_${i}`)) add(`extra_${i}`);
  spendBytes(ctx, 2, 'an object');
  return out;
}

function arrayExample(schema: Schema, ctx: Context, depth: number): unknown[] {
  // 2020-12 tuples are prefixItems; draft-07 tuples are an items array.
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : [];
  const rest = Array.isArray(schema.items) ? (schema.additionalItems ?? true) : (schema.items ?? true);
  const count = Math.min(Math.max(numberOr(schema.minItems, 0), prefix.length), numberOr(schema.maxItems, Infinity));
  // Refused before any item is made, so a huge minItems costs nothing.
  if (ctx.budget.values + count > MAX_EXAMPLE_VALUES) spendValues(ctx, count, `minItems ${count}`);
  spendBytes(ctx, 2 + count, 'an array');
  return Array.from({ length: count }, (_, i) => {
    ctx.path.push(i);
    const item = exampleOf(i < prefix.length ? prefix[i] : rest, { ...ctx, variant: ctx.variant + i }, depth + 1);
    ctx.path.pop();
    return item;
  });
}

function stringExample(schema: Schema, ctx: Context): string {
  const minLength = numberOr(schema.minLength, 0);
  const maxLength = numberOr(schema.maxLength, Infinity);
  // Refused before padEnd builds a string longer than the whole answer may be.
  if (ctx.budget.bytes + minLength > MAX_EXAMPLE_BYTES) spendBytes(ctx, minLength, `minLength ${minLength}`);
  const pattern = typeof schema.pattern === 'string' ? compileUserRegex(schema.pattern, 'u') : undefined;
  const fit = (text: string) => text.padEnd(minLength, 'x').slice(0, maxLength);
  const plain = ctx.variant === 0 ? 'example' : `example ${ctx.variant}`;
  const formatted = typeof schema.format === 'string' ? FORMAT_EXAMPLES[schema.format] : undefined;
  const candidates = [...(formatted ?? [plain]), ...PATTERN_FALLBACKS].map(fit);
  const matches = (text: string) => {
    if (!pattern) return true;
    ctx.budget.patternWork += pattern.work(text.length);
    if (ctx.budget.patternWork > MAX_PATTERN_WORK) {
      throw new Error(`pattern "${String(schema.pattern)}" (at ${where(ctx)}) costs more to test on strings of ${text.length} characters than echo spends on one answer`);
    }
    return pattern.test(text);
  };
  const chosen = candidates.find(matches) ?? candidates[0]!;
  spendBytes(ctx, chosen.length + 2, `minLength ${minLength}`);
  return chosen;
}

function numberExample(schema: Schema, integer: boolean, variant: number): number {
  const step = typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : integer ? 1 : undefined;
  // Draft 4 marks a bound exclusive with a boolean; later drafts give the exclusive bound as a number.
  const [lo, loOpen] = bound(schema.minimum, schema.exclusiveMinimum, Math.max, -Infinity);
  const [hi, hiOpen] = bound(schema.maximum, schema.exclusiveMaximum, Math.min, Infinity);
  const fits = (v: number) => (v > lo || (!loOpen && v === lo)) && (v < hi || (!hiOpen && v === hi));
  const unit = step ?? 1;
  // Start at zero, or at the edge nearest zero when zero is out of bounds, and step inwards by the variant.
  const inwards = fits(0) || Number.isFinite(lo) ? 1 : -1;
  const start = fits(0) ? 0 : step ? steppedEdge(lo, hi, step, fits) : Number.isFinite(lo) ? openEdge(lo, loOpen, hi, 1) : openEdge(hi, hiOpen, lo, -1);
  const varied = clean(start + inwards * variant * unit);
  return fits(varied) ? varied : start;
}

/** The bound itself when it is inclusive; inside it otherwise (halfway to the other bound, or one unit in). */
function openEdge(edge: number, open: boolean, other: number, inwards: 1 | -1): number {
  if (!open) return edge;
  return Number.isFinite(other) ? (edge + other) / 2 : edge + inwards;
}

/** The multiple of `step` nearest the lower bound (or, without one, the upper) that lies within both. */
function steppedEdge(lo: number, hi: number, step: number, fits: (v: number) => boolean): number {
  if (Number.isFinite(lo)) {
    const k = Math.ceil(lo / step);
    return fits(clean(k * step)) ? clean(k * step) : clean((k + 1) * step);
  }
  const k = Math.floor(hi / step);
  return fits(clean(k * step)) ? clean(k * step) : clean((k - 1) * step);
}

/** Multiples of fractional steps come out as 0.30000000000000004; validators want 0.3. */
const clean = (v: number) => Number.parseFloat(v.toPrecision(15));

function bound(inclusive: unknown, exclusive: unknown, tighter: (a: number, b: number) => number, none: number): [number, boolean] {
  if (typeof exclusive === 'boolean') return typeof inclusive === 'number' ? [inclusive, exclusive] : [none, false];
  const closed = typeof inclusive === 'number' ? inclusive : none;
  if (typeof exclusive !== 'number') return [closed, false];
  const value = tighter(closed, exclusive);
  return [value, value === exclusive];
}

function typeOf(schema: Schema): string | undefined {
  const { type } = schema;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((t) => t !== 'null') ?? 'null';
  if ('properties' in schema || 'required' in schema || 'additionalProperties' in schema) return 'object';
  if ('items' in schema || 'prefixItems' in schema) return 'array';
  return undefined;
}

/** A local reference (`#`, `#/$defs/Name`, `#/definitions/Name`, any JSON pointer into the root). */
function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith('#')) throw new Error(`only local $refs can be followed, not ${ref}`);
  const pointer = decodeURIComponent(ref.slice(1));
  let target: unknown = root;
  for (const token of pointer.split('/').slice(1)) {
    const key = token.replace(/~1/g, '/').replace(/~0/g, '~');
    target = isSchema(target) || Array.isArray(target) ? (target as Record<string, unknown>)[key] : undefined;
    if (target === undefined) throw new Error(`the $ref ${ref} points at nothing`);
  }
  return target;
}

/** allOf parts as one schema, later keywords winning; properties and required lists are merged. In one pass: parts can be many. */
function mergeSchemas(parts: Schema[]): Schema {
  const required = parts.flatMap((part) => (Array.isArray(part.required) ? part.required : []));
  const properties = Object.assign({}, ...parts.map((part) => (isSchema(part.properties) ? part.properties : {}))) as Schema;
  return Object.assign({}, ...parts, required.length ? { required } : {}, Object.keys(properties).length ? { properties } : {}) as Schema;
}

const isNullSchema = (branch: unknown) =>
  isSchema(branch) && (branch.type === 'null' || (Array.isArray(branch.enum) && branch.enum.length === 1 && branch.enum[0] === null));
const firstNonNull = (branches: unknown[]) => branches.find((b) => b !== false && !isNullSchema(b)) ?? branches[0];
const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);
function asSchema(value: unknown): Schema {
  if (value === false) throw new Error('no value satisfies the schema `false`');
  return isSchema(value) ? value : {};
}
const numberOr = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
