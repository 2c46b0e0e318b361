// Caller JSON Schemas: refused before use when too large or expanding too far through $refs, validated
// as @cfworker/json-schema validates them, with patterns on the linear-time engine and a step budget.
import { Validator, type Schema } from '@cfworker/json-schema';
import { RE2JS } from 're2js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_SCHEMA_EXPANSION, MAX_SCHEMA_NODES, schemaExpansion } from './schema-bounds';
import { BoundedSchemaValidator, schemaProblem, ValidationBudgetExceeded, VALIDATION_STEPS } from './schema-validator';

afterEach(() => vi.restoreAllMocks());

type Draft = '4' | '7' | '2019-09' | '2020-12';

/** $defs d0…d{levels-1}, each applying the next one `fanOut` times: 1.7 KB that expands to fanOut^levels checks. */
function refFanOut(levels: number, fanOut: number) {
  const $defs: Record<string, unknown> = { [`d${levels}`]: { type: 'string' } };
  for (let i = 0; i < levels; i++) $defs[`d${i}`] = { allOf: Array.from({ length: fanOut }, () => ({ $ref: `#/$defs/d${i + 1}` })) };
  return { $ref: '#/$defs/d0', $defs };
}

describe('bounding a caller schema before use', () => {
  it('refuses the $ref fan-out that expands 1.7 KB into ten million checks, and accepts reuse that stays small', () => {
    const fanOut = refFanOut(7, 10);
    expect(JSON.stringify(fanOut).length).toBeLessThan(2_000);
    expect(schemaProblem(fanOut)).toMatch(/^expands to more than 10,000 subschema checks once its \$refs are followed/);
    expect(schemaProblem(refFanOut(3, 10))).toBeNull();
  });

  it('counts each use of a definition, and recursion once per level', () => {
    const address = { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } };
    const reused = { $defs: { address }, properties: { home: { $ref: '#/$defs/address' }, work: { $ref: '#/$defs/address' } } };
    // root, 2 properties with their $ref, each reaching address and its 2 properties.
    expect(schemaExpansion(reused, (node) => (node.$ref === '#/$defs/address' ? address : undefined), Infinity)).toBe(1 + 2 * (1 + 3));
    const tree: Record<string, unknown> = { type: 'object', properties: {} };
    (tree.properties as Record<string, unknown>).children = { type: 'array', items: tree };
    expect(schemaExpansion(tree, () => undefined, Infinity)).toBe(3);
    expect(schemaProblem({ $ref: '#/$defs/node', $defs: { node: { properties: { next: { $ref: '#/$defs/node' } } } } })).toBeNull();
  });

  it('refuses a schema with too many values or nested too deep', () => {
    const wide = { enum: Array.from({ length: MAX_SCHEMA_NODES }, (_, i) => i) };
    expect(schemaProblem(wide)).toBe('has more than 10,000 values (objects, arrays, strings, numbers…)');
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 30; i++) deep = { properties: { a: deep } };
    expect(schemaProblem(deep)).toBe('nests more than 40 levels deep');
  });

  it('names where a pattern the engine cannot run is', () => {
    expect(schemaProblem({ items: [{ pattern: 'a' }, { pattern: '(?=a)' }] })).toMatch(/^pattern "\(\?=a\)" \(at #\/items\/1\/pattern\): lookahead/);
    expect(schemaProblem({ $defs: { x: { patternProperties: { '(\\w)\\1': true } } } })).toMatch(/^pattern "\(\\w\)\\1" \(at #\/\$defs\/x\/patternProperties\/\(%5Cw\)%5C1\): backreferences/);
  });
});

describe('validating with a budget', () => {
  const cases: Array<[Draft, object, unknown[]]> = [
    ['2020-12', { type: 'object', required: ['a'], properties: { a: { type: 'string', pattern: '^\\d+$', minLength: 2 } }, additionalProperties: false }, [{ a: '12' }, { a: '1' }, { a: 'x1' }, { b: 1 }, []]],
    ['2020-12', { patternProperties: { '^x_': { type: 'integer' } }, additionalProperties: { type: 'string' } }, [{ x_a: 1, y: 's' }, { x_a: 's' }, { y: 2 }]],
    ['2020-12', { prefixItems: [{ const: 'a' }], items: { enum: [1, 2, { k: [3] }] }, uniqueItems: true }, [['a', 1, 2], ['a', 1, 1], ['a', { k: [3] }], ['b']]],
    ['2019-09', { $defs: { n: { type: 'number', multipleOf: 0.5 } }, anyOf: [{ $ref: '#/$defs/n' }, { type: 'string', format: 'email' }] }, [1.5, 1.2, 'a@b.co', 'nope']],
    // biome-ignore lint/suspicious/noThenProperty: "then" is a JSON Schema keyword here, not a promise
    ['7', { definitions: { p: { type: 'integer' } }, items: [{ $ref: '#/definitions/p' }], additionalItems: false, if: { minItems: 1 }, then: { maxItems: 1 } }, [[1], [1, 2], ['x']]],
    ['4', { type: 'number', maximum: 10, exclusiveMaximum: true, not: { enum: [3] } }, [10, 9.5, 3]],
  ];

  it.each(cases)('gives the same result as @cfworker/json-schema (draft %s)', (draft, schema, instances) => {
    expect(schemaProblem(schema as Record<string, unknown>)).toBeNull();
    const ours = new BoundedSchemaValidator(schema as Record<string, unknown>, draft);
    const upstream = new Validator(structuredClone(schema) as Schema, draft, false);
    for (const instance of instances) expect(ours.validate(instance), JSON.stringify(instance)).toEqual(upstream.validate(instance));
  });

  it('runs patterns on the linear-time engine: the hostile patterns answer, each with its right outcome', () => {
    const long = `${'a'.repeat(9_990)}!`;
    const outcome = (pattern: string) => new BoundedSchemaValidator({ type: 'string', pattern }, '2020-12').validate(long).valid;
    expect(outcome('(a|a)*$')).toBe(true);
    expect(outcome('(a|aa)+$')).toBe(false);
    expect(outcome('(a+){5}$')).toBe(false);
    // 103 instructions × 10,000 characters is more regex work than one answer may cost: bounded, not run.
    expect(() => outcome('(.*a){20}$')).toThrow(ValidationBudgetExceeded);
    expect(new BoundedSchemaValidator({ type: 'string', pattern: '(.*a){20}$' }, '2020-12').validate(`${'a'.repeat(2_000)}!`).valid).toBe(false);
  });

  it('compiles each pattern once per schema, not per answer', () => {
    const compile = vi.spyOn(RE2JS, 'compile');
    const pattern = `^item-${Date.now()}-\\d+$`;
    const validator = new BoundedSchemaValidator({ type: 'array', items: { type: 'string', pattern } }, '2020-12');
    for (let i = 0; i < 50; i++) expect(validator.validate([`item-1-${i}`]).valid).toBe(false);
    expect(compile).toHaveBeenCalledTimes(1);
  });

  it('stops an answer that needs more than its steps, however the work arises', () => {
    const tooBig = (schema: Record<string, unknown>, instance: unknown) => {
      expect(schemaProblem(schema)).toBeNull();
      expect(() => new BoundedSchemaValidator(schema, '2020-12').validate(instance)).toThrow(ValidationBudgetExceeded);
    };
    // Many values, each visited by a few subschemas.
    tooBig({ type: 'array', items: { type: 'object', properties: { a: { type: 'integer' } } } }, Array.from({ length: VALIDATION_STEPS }, (_, i) => ({ a: i })));
    // Every pair of a long array compared for uniqueItems.
    tooBig({ uniqueItems: true }, Array.from({ length: 3_000 }, (_, i) => i));
    // A large const described in the error of every item that differs.
    tooBig({ items: { const: Array.from({ length: 5_000 }, (_, i) => `value ${i}`) } }, Array.from({ length: 500 }, (_, i) => i));
    // A pattern over long strings.
    tooBig({ items: { pattern: '(.*a){20}$' } }, Array.from({ length: 50 }, () => 'a'.repeat(10_000)));
    // Recursion the expansion check lets through (once per level), fanning out on a deep answer.
    const fan = { $defs: { n: { anyOf: Array.from({ length: 10 }, () => ({ properties: { c: { $ref: '#/$defs/n' } } })) } }, $ref: '#/$defs/n' };
    let deep: unknown = {};
    for (let i = 0; i < 8; i++) deep = { c: deep };
    tooBig(fan, deep);
  });

  it('lets an ordinary answer through well within the budget', () => {
    const validator = new BoundedSchemaValidator({ type: 'array', items: { type: 'object', properties: { a: { type: 'integer' } } } }, '2020-12');
    expect(validator.validate(Array.from({ length: 1_000 }, (_, i) => ({ a: i }))).valid).toBe(true);
    expect(MAX_SCHEMA_EXPANSION).toBe(VALIDATION_STEPS);
  });
});
