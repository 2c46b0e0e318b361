// schemaExample gives values a real JSON Schema validator accepts, the same ones every time.
import { Validator, type Schema } from '@cfworker/json-schema';
import { zodResponseFormat } from 'openai/helpers/zod';
import { RE2JS } from 're2js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ExampleBudget, MAX_EXAMPLE_VALUES, schemaExample } from './schema-example';

type Draft = '4' | '7' | '2019-09' | '2020-12';

function validate(schema: object, value: unknown, draft: Draft = '2020-12') {
  return new Validator(schema as Schema, draft, false).validate(value).errors.map((e) => `${e.instanceLocation} ${e.error}`);
}
function expectExampleValid(schema: object, draft: Draft = '2020-12', variant = 0) {
  const value = schemaExample(schema, variant);
  expect(validate(schema, value, draft), JSON.stringify(value)).toEqual([]);
  return value;
}

describe('schemaExample', () => {
  it('fills the required properties of closed objects, nested, and nothing else', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        nickname: { type: 'string' },
        address: {
          type: 'object',
          properties: { city: { type: 'string', minLength: 12 }, zip: { type: 'string', maxLength: 3 } },
          required: ['city', 'zip'],
          additionalProperties: false,
        },
      },
      required: ['name', 'address'],
      additionalProperties: false,
    };
    expect(expectExampleValid(schema)).toEqual({ name: 'example', address: { city: 'examplexxxxx', zip: 'exa' } });
  });

  it('gives arrays their minItems, each item its own variant, so unique items stay unique', () => {
    const schema = { type: 'array', items: { type: 'integer', minimum: 10 }, minItems: 3, uniqueItems: true };
    expect(expectExampleValid(schema)).toEqual([10, 11, 12]);
    expect(expectExampleValid({ type: 'array', items: { type: 'string' } })).toEqual([]);
    expect(expectExampleValid({ type: 'array', prefixItems: [{ type: 'string' }, { type: 'boolean' }], items: false })).toEqual(['example', false]);
  });

  it('takes const values and enum members', () => {
    expect(expectExampleValid({ const: 'fixed' })).toBe('fixed');
    expect(expectExampleValid({ type: 'string', enum: ['red', 'green', 'blue'] })).toBe('red');
    expect(expectExampleValid({ type: 'string', enum: ['red', 'green', 'blue'] }, '2020-12', 1)).toBe('green');
  });

  it.each(['date-time', 'date', 'time', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uri', 'uri-reference', 'uuid', 'json-pointer', 'regex'])(
    'writes a valid %s string',
    (format) => {
      expect(typeof expectExampleValid({ type: 'string', format })).toBe('string');
    },
  );

  it('meets string lengths and simple patterns', () => {
    expect(expectExampleValid({ type: 'string', pattern: '^[A-Z]{3}$' })).toBe('ABC');
    expect(expectExampleValid({ type: 'string', pattern: '^\\d+$' })).toBe('0');
    expect(expectExampleValid({ type: 'string', minLength: 3, maxLength: 3 })).toBe('exa');
  });

  it.each([
    [{ type: 'number' }, 0],
    [{ type: 'number', minimum: 2.5, maximum: 9 }, 2.5],
    [{ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }, 0.5],
    [{ type: 'number', exclusiveMinimum: 4 }, 5],
    [{ type: 'integer', minimum: 0.5 }, 1],
    [{ type: 'integer', maximum: -3 }, -3],
    [{ type: 'integer', exclusiveMaximum: -3 }, -4],
    [{ type: 'number', minimum: 1, multipleOf: 0.25 }, 1],
    [{ type: 'integer', minimum: 7, multipleOf: 5 }, 10],
    [{ type: 'number', minimum: 0.1, multipleOf: 0.1 }, 0.1],
  ])('picks a number inside %j', (schema, expected) => {
    expect(expectExampleValid(schema)).toBe(expected);
  });

  it('steps variants inwards from the nearest bound, so they differ even when zero is out of bounds', () => {
    expect([0, 1, 2].map((variant) => expectExampleValid({ type: 'integer', minimum: 1, maximum: 7 }, '2020-12', variant))).toEqual([1, 2, 3]);
    expect([0, 1].map((variant) => expectExampleValid({ type: 'number', maximum: -10 }, '2020-12', variant))).toEqual([-10, -11]);
    expect(expectExampleValid({ type: 'integer', minimum: 1, maximum: 1 }, '2020-12', 5)).toBe(1);
  });

  it('reads draft 4 boolean exclusive bounds', () => {
    expect(expectExampleValid({ type: 'integer', minimum: 3, exclusiveMinimum: true }, '4')).toBe(4);
  });

  it('answers booleans and nulls, and takes the first non-null branch of a union', () => {
    expect(expectExampleValid({ type: 'boolean' })).toBe(true);
    expect(expectExampleValid({ type: 'boolean' }, '2020-12', 1)).toBe(false);
    expect(expectExampleValid({ type: 'null' })).toBeNull();
    expect(expectExampleValid({ anyOf: [{ type: 'null' }, { type: 'string', format: 'email' }] })).toBe('user@example.com');
    expect(expectExampleValid({ type: ['null', 'integer'], minimum: 4 })).toBe(4);
    expect(expectExampleValid({ oneOf: [{ type: 'object', properties: { kind: { const: 'a' } }, required: ['kind'] }, { type: 'string' }] })).toEqual({ kind: 'a' });
  });

  it('follows $refs into $defs and definitions, and recursion through optional children ends', () => {
    const tree = {
      $ref: '#/$defs/Node',
      $defs: {
        Node: {
          type: 'object',
          properties: { label: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Node' } } },
          required: ['label', 'children'],
          additionalProperties: false,
        },
      },
    };
    expect(expectExampleValid(tree)).toEqual({ label: 'example', children: [] });
    const draft7 = { definitions: { Id: { type: 'integer', minimum: 1 } }, type: 'object', properties: { id: { $ref: '#/definitions/Id' } }, required: ['id'] };
    expect(expectExampleValid(draft7, '7')).toEqual({ id: 1 });
  });

  it('merges allOf parts', () => {
    const schema = { allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'integer' } }, required: ['b'] }] };
    expect(expectExampleValid(schema)).toEqual({ a: 'example', b: 0 });
  });

  it('adds properties to reach minProperties', () => {
    expect(expectExampleValid({ type: 'object', properties: { a: { type: 'boolean' } }, minProperties: 2 })).toEqual({ a: true, extra_0: null });
  });

  const person = z.object({
    id: z.uuid(),
    email: z.email(),
    name: z.string().min(2).max(40),
    born: z.iso.date(),
    seen: z.iso.datetime(),
    role: z.enum(['admin', 'member']),
    age: z.int().min(18).max(130),
    score: z.number().gt(0).lt(1),
    tags: z.array(z.string()).min(2),
    nickname: z.string().nullable(),
    website: z.url().optional(),
    pet: z.discriminatedUnion('kind', [z.object({ kind: z.literal('cat'), lives: z.int() }), z.object({ kind: z.literal('dog'), good: z.boolean() })]),
    pair: z.tuple([z.string(), z.number()]),
    labels: z.record(z.string(), z.string()),
  });

  it('satisfies JSON Schema written by zod, and zod itself, for every variant', () => {
    const schema = z.toJSONSchema(person);
    for (const variant of [0, 1, 2]) {
      const value = expectExampleValid(schema, '2020-12', variant);
      expect(person.safeParse(value).error).toBeUndefined();
    }
  });

  it('satisfies the strict schema the openai SDK sends for a zod response format', () => {
    // Strict structured outputs have no optional fields, tuples or records.
    const strictPerson = person.omit({ website: true, pair: true, labels: true });
    const format = zodResponseFormat(strictPerson, 'person');
    const value = expectExampleValid(format.json_schema.schema!, '2020-12');
    expect(strictPerson.parse(value)).toMatchObject({ role: 'admin', nickname: 'example' });
  });

  it('gives the same value every time', () => {
    const schema = z.toJSONSchema(person);
    expect(schemaExample(schema, 1)).toEqual(schemaExample(schema, 1));
    expect(schemaExample(schema, 1)).not.toEqual(schemaExample(schema, 0));
  });

  it('refuses schemas no value satisfies or that recurse through required properties', () => {
    expect(() => schemaExample(false)).toThrow(/false/);
    const loop = { $defs: { A: { type: 'object', properties: { next: { $ref: '#/$defs/A' } }, required: ['next'] } }, $ref: '#/$defs/A' };
    expect(() => schemaExample(loop)).toThrow(/nests too deeply/);
    expect(() => schemaExample({ $ref: 'https://example.com/schema.json' })).toThrow(/only local/);
  });
});

describe('schemaExample on a budget', () => {
  afterEach(() => vi.restoreAllMocks());

  it('tests pattern candidates on the linear-time engine: a pattern that backtracks forever answers at once', () => {
    const compile = vi.spyOn(RE2JS, 'compile');
    const value = schemaExample({ type: 'string', minLength: 60, pattern: '(x|x)*y' });
    expect(value).toHaveLength(60);
    expect(compile).toHaveBeenCalled();
    expect(expectExampleValid({ type: 'string', pattern: '^(?:[A-Z]+)+$' })).toBe('A');
  });

  it('refuses a pattern the engine cannot run, saying where it is', () => {
    expect(() => schemaExample({ properties: { id: { type: 'string', pattern: '^(?!tmp)' } }, required: ['id'] })).toThrow(
      /^pattern "\^\(\?!tmp\)" \(at #\/properties\/id\/pattern\): lookahead/,
    );
  });

  it('generates a large minProperties in linear time, within budget', () => {
    const value = schemaExample({ type: 'object', properties: { a: { type: 'boolean' } }, minProperties: 20_000 }) as Record<string, unknown>;
    expect(Object.keys(value)).toHaveLength(20_000);
    expect(value.a).toBe(true);
    expect(value.extra_19998).toBeNull();
  });

  it('refuses, before making anything, what asks for more values or bytes than one answer may have, naming what and where', () => {
    expect(() => schemaExample({ type: 'array', minItems: 1_600_000 })).toThrow('minItems 1600000 (at #) needs more than the 25,000 values echo generates for one answer');
    expect(() => schemaExample({ type: 'object', minProperties: 30_000 })).toThrow(/^minProperties 30000 \(at #\) needs more than/);
    expect(() => schemaExample({ type: 'array', minItems: 2, items: { type: 'string', minLength: 600_000 } })).toThrow(
      /^minLength 600000 \(at #\/1\) makes the answer larger than the 1,000,000 bytes echo writes for one answer/,
    );
    const nested = { type: 'array', minItems: 200, items: { type: 'array', minItems: 200, items: { type: 'integer' } } };
    expect(() => schemaExample(nested)).toThrow(/needs more than the 25,000 values/);
  });

  it('shares one budget between the calls of one answer', () => {
    const budget = new ExampleBudget();
    const schema = { type: 'array', minItems: 1_000, items: { type: 'integer' } };
    for (let i = 0; i < 20; i++) schemaExample(schema, i, budget);
    expect(budget.values).toBeLessThan(MAX_EXAMPLE_VALUES);
    expect(() => {
      for (let i = 0; i < 10; i++) schemaExample(schema, i, budget);
    }).toThrow(/needs more than the 25,000 values/);
  });

  it('refuses a schema whose $refs expand too far, and merges many allOf parts in one pass', () => {
    const $defs: Record<string, unknown> = { d7: { type: 'string' } };
    for (let i = 0; i < 7; i++) $defs[`d${i}`] = { allOf: Array.from({ length: 10 }, () => ({ $ref: `#/$defs/d${i + 1}` })) };
    expect(() => schemaExample({ $ref: '#/$defs/d0', $defs })).toThrow(/^expands to more than 10,000 subschema checks/);
    const parts = Array.from({ length: 1_000 }, (_, i) => ({ properties: { [`p${i}`]: { type: 'integer' } }, required: [`p${i}`] }));
    expect(Object.keys(schemaExample({ type: 'object', allOf: parts }) as object)).toHaveLength(1_000);
  });
});
