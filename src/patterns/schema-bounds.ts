// What a caller's JSON Schema may cost, checked before it is used: how many values it has, how deep
// it nests, and how much validation work it expands to once its $refs are followed (a few kilobytes
// of $defs that each apply the next one ten times over expand to millions of checks per answer).
import { encodePointer } from '@cfworker/json-schema';

export const MAX_SCHEMA_NODES = 10_000;
export const MAX_SCHEMA_DEPTH = 40;
/** Subschema visits a schema may expand to: what one answer's validation may visit (VALIDATION_STEPS). */
export const MAX_SCHEMA_EXPANSION = 10_000;

type SchemaObject = Record<string, unknown>;
const isObject = (value: unknown): value is SchemaObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keywords whose value is one subschema, an array of them, or a map of them (as @cfworker/json-schema applies them). */
const ONE = ['additionalItems', 'unevaluatedItems', 'items', 'contains', 'additionalProperties', 'unevaluatedProperties', 'propertyNames', 'not', 'if', 'then', 'else'];
const LIST = ['prefixItems', 'items', 'allOf', 'anyOf', 'oneOf'];
const MAP = ['properties', 'patternProperties', 'dependentSchemas', 'dependencies'];
const DEFINITIONS = ['$defs', 'definitions'];

/** The subschemas of a schema object, each with its location relative to it; definitions only when asked. */
function subschemas(schema: SchemaObject, withDefinitions: boolean): Array<[unknown, string]> {
  const found: Array<[unknown, string]> = [];
  for (const key of ONE) if (key in schema && !Array.isArray(schema[key])) found.push([schema[key], `/${key}`]);
  for (const key of LIST) {
    const list = schema[key];
    if (Array.isArray(list)) list.forEach((item, i) => { found.push([item, `/${key}/${i}`]); });
  }
  for (const key of withDefinitions ? [...MAP, ...DEFINITIONS] : MAP) {
    const map = schema[key];
    // draft 4-7 "dependencies" holds property lists too; only its schemas are subschemas.
    if (isObject(map)) for (const [name, sub] of Object.entries(map)) if (isObject(sub) || typeof sub === 'boolean') found.push([sub, `/${key}/${encodePointer(name)}`]);
  }
  return found;
}

/** Why the schema is too big to walk, or null: more than MAX_SCHEMA_NODES values, or nesting deeper than MAX_SCHEMA_DEPTH. */
export function schemaShapeProblem(schema: unknown): string | null {
  let nodes = 0;
  const stack: Array<[unknown, number]> = [[schema, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (++nodes > MAX_SCHEMA_NODES) return `has more than ${MAX_SCHEMA_NODES.toLocaleString('en-US')} values (objects, arrays, strings, numbers…)`;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_SCHEMA_DEPTH) return `nests more than ${MAX_SCHEMA_DEPTH} levels deep`;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return null;
}

/**
 * Why the schema costs too much to validate with, or null: past MAX_SCHEMA_EXPANSION subschema
 * visits with its $refs followed (`resolve` finds what a schema object's $ref or $recursiveRef
 * points at). Check schemaShapeProblem first.
 */
export function schemaExpansionProblem(schema: unknown, resolve: (schema: SchemaObject) => unknown): string | null {
  if (schemaExpansion(schema, resolve, MAX_SCHEMA_EXPANSION) <= MAX_SCHEMA_EXPANSION) return null;
  return `expands to more than ${MAX_SCHEMA_EXPANSION.toLocaleString('en-US')} subschema checks once its $refs are followed (each $ref counts its target again), more than one answer's validation may make`;
}

/**
 * How many subschema visits validating a value shaped like the schema makes: each subschema counts
 * once per path that reaches it, with $refs followed (a $def used ten times counts ten times).
 * Recursion counts once per level, as a value's own nesting bounds it. Stops counting past `limit`.
 */
export function schemaExpansion(schema: unknown, resolve: (schema: SchemaObject) => unknown, limit: number): number {
  if (!isObject(schema)) return 1;
  const known = new Map<SchemaObject, number>();
  const active = new Set<SchemaObject>();
  // An explicit stack: a chain of $refs can be as long as the schema has definitions.
  const stack: Array<{ node: SchemaObject; children: unknown[]; next: number; total: number }> = [];
  const enter = (node: SchemaObject) => {
    active.add(node);
    const children = subschemas(node, false).map(([child]) => child);
    if (typeof node.$ref === 'string' || typeof node.$recursiveRef === 'string') children.push(resolve(node));
    stack.push({ node, children, next: 0, total: 1 });
  };
  enter(schema);
  for (;;) {
    const frame = stack[stack.length - 1]!;
    if (frame.total > limit) return frame.total;
    if (frame.next < frame.children.length) {
      const child = frame.children[frame.next++];
      if (!isObject(child)) frame.total += 1;
      else if (known.has(child)) frame.total += known.get(child)!;
      else if (active.has(child)) frame.total += 1;
      else enter(child);
      continue;
    }
    stack.pop();
    active.delete(frame.node);
    known.set(frame.node, frame.total);
    const parent = stack[stack.length - 1];
    if (!parent) return frame.total;
    parent.total += frame.total;
  }
}

/** Every "pattern" and "patternProperties" name of the schema, with where it is (a JSON pointer). */
export function schemaPatterns(schema: unknown, at = '#'): Array<{ pattern: string; at: string }> {
  if (!isObject(schema)) return [];
  const found: Array<{ pattern: string; at: string }> = [];
  if (typeof schema.pattern === 'string') found.push({ pattern: schema.pattern, at: `${at}/pattern` });
  if (isObject(schema.patternProperties)) {
    for (const pattern of Object.keys(schema.patternProperties)) found.push({ pattern, at: `${at}/patternProperties/${encodePointer(pattern)}` });
  }
  for (const [sub, location] of subschemas(schema, true)) found.push(...schemaPatterns(sub, `${at}${location}`));
  return found;
}
