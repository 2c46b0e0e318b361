// A deterministic value that validates against a JSON Schema: the echo provider's structured answers and tool arguments.

type Schema = Record<string, unknown>;

const MAX_DEPTH = 32;

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
 * Throws for schemas no value can satisfy or that recurse through required properties.
 */
export function schemaExample(schema: unknown, variant = 0): unknown {
  return exampleOf(schema, { root: schema, variant }, 0);
}

interface Context {
  root: unknown;
  variant: number;
}

function exampleOf(schema: unknown, ctx: Context, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new Error('the schema nests too deeply for an example (does a required property recurse?)');
  if (schema === false) throw new Error('no value satisfies the schema `false`');
  if (!isSchema(schema)) return null;
  if (typeof schema.$ref === 'string') {
    const { $ref, ...siblings } = schema;
    return exampleOf({ ...asSchema(resolveRef($ref, ctx.root)), ...siblings }, ctx, depth + 1);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[ctx.variant % schema.enum.length];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) {
      const { [key]: _, ...rest } = schema;
      return exampleOf({ ...rest, ...asSchema(firstNonNull(branches)) }, ctx, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    return exampleOf(allOf.reduce<Schema>((merged, part) => mergeSchemas(merged, asSchema(part)), rest), ctx, depth + 1);
  }
  switch (typeOf(schema)) {
    case 'object':
      return objectExample(schema, ctx, depth);
    case 'array':
      return arrayExample(schema, ctx, depth);
    case 'string':
      return stringExample(schema, ctx.variant);
    case 'integer':
      return numberExample(schema, true, ctx.variant);
    case 'number':
      return numberExample(schema, false, ctx.variant);
    case 'boolean':
      return ctx.variant % 2 === 0;
    default:
      return null;
  }
}

function objectExample(schema: Schema, ctx: Context, depth: number): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string') : [];
  const additional = schema.additionalProperties ?? true;
  const valueFor = (key: string) => exampleOf(key in properties ? properties[key] : additional, ctx, depth + 1);
  const out: Record<string, unknown> = {};
  for (const key of required) out[key] = valueFor(key);
  const minProperties = numberOr(schema.minProperties, 0);
  for (const key of Object.keys(properties)) {
    if (Object.keys(out).length >= minProperties) break;
    if (!(key in out)) out[key] = valueFor(key);
  }
  for (let i = 0; Object.keys(out).length < minProperties && additional !== false; i++) out[`extra_${i}`] = valueFor(`extra_${i}`);
  return out;
}

function arrayExample(schema: Schema, ctx: Context, depth: number): unknown[] {
  // 2020-12 tuples are prefixItems; draft-07 tuples are an items array.
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : [];
  const rest = Array.isArray(schema.items) ? (schema.additionalItems ?? true) : (schema.items ?? true);
  const count = Math.min(Math.max(numberOr(schema.minItems, 0), prefix.length), numberOr(schema.maxItems, Infinity));
  return Array.from({ length: count }, (_, i) =>
    exampleOf(i < prefix.length ? prefix[i] : rest, { ...ctx, variant: ctx.variant + i }, depth + 1),
  );
}

function stringExample(schema: Schema, variant: number): string {
  const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern, 'u') : undefined;
  const minLength = numberOr(schema.minLength, 0);
  const maxLength = numberOr(schema.maxLength, Infinity);
  const fit = (text: string) => text.padEnd(minLength, 'x').slice(0, maxLength);
  const plain = variant === 0 ? 'example' : `example ${variant}`;
  const formatted = typeof schema.format === 'string' ? FORMAT_EXAMPLES[schema.format] : undefined;
  const candidates = [...(formatted ?? [plain]), ...PATTERN_FALLBACKS].map(fit);
  return candidates.find((text) => !pattern || pattern.test(text)) ?? candidates[0]!;
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

function mergeSchemas(a: Schema, b: Schema): Schema {
  const required = [...(Array.isArray(a.required) ? a.required : []), ...(Array.isArray(b.required) ? b.required : [])];
  const properties = { ...(isSchema(a.properties) ? a.properties : {}), ...(isSchema(b.properties) ? b.properties : {}) };
  return { ...a, ...b, ...(required.length ? { required } : {}), ...(Object.keys(properties).length ? { properties } : {}) };
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
