import { describe, expect, it } from 'vitest';
import { canonicalJson } from './request-hash';

// What canonicalJson wrote before it built its string directly: JSON.stringify over a sorted copy.
// Stored request hashes (and dedup keys) depend on it staying byte for byte the same.
function viaSortedCopy(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

describe('canonicalJson', () => {
  it('writes exactly what JSON.stringify writes for a copy with sorted keys', () => {
    const values: unknown[] = [
      { provider: 'openai', request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi "there"\n' }], temperature: 0.7, n: undefined } },
      { b: 1, a: [3, undefined, () => 1, Symbol('s'), null, Number.NaN, -0, 1e21], c: { z: true, y: false, x: 'é🔑\u2028\ud800' } },
      { '10': 'ten', '9': 'nine', b: 'b', '01': 'zero-one', a: 'a', '4294967295': 'not an index', '4294967294': 'index' },
      JSON.parse('{"__proto__": {"b": 2, "a": 1}, "constructor": "x"}'),
      { date: new Date(0), boxed: new String('ab'), map: new Map([[1, 2]]), skip: () => 1, nested: [[[]], {}] },
      [{ b: [{ d: 1, c: 2 }], a: 0 }],
      'plain string',
      42,
      null,
    ];
    for (const value of values) expect(canonicalJson(value)).toBe(viaSortedCopy(value));
  });

  it('sorts keys in the same order at every depth, whatever order they came in', () => {
    expect(canonicalJson({ b: { d: 1, c: 2 }, a: [{ f: 1, e: 2 }] })).toBe('{"a":[{"e":2,"f":1}],"b":{"c":2,"d":1}}');
  });
});
