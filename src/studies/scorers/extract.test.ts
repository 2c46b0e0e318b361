import { describe, expect, it } from 'vitest';
import { extractAnswer, extractChoiceLetter, extractionSchema, extractRegexGroup, firstNumber } from './extract';

const extract = (text: string, extraction: unknown) => extractAnswer(text, extractionSchema.parse(extraction)).value;

describe('extracting a regex group', () => {
  it('takes the first capture group when the pattern has one, else the whole match', () => {
    expect(extract('Reasoning… Final: Paris.', { type: 'regex', pattern: 'Final: (\\w+)' })).toBe('Paris');
    expect(extract('code 4711 ok', { type: 'regex', pattern: '\\d{4}' })).toBe('4711');
  });

  it('takes a numbered or named group when asked', () => {
    const text = 'city=Lima country=Peru';
    expect(extract(text, { type: 'regex', pattern: 'city=(\\w+) country=(\\w+)', group: 2 })).toBe('Peru');
    expect(extract(text, { type: 'regex', pattern: 'country=(?<country>\\w+)', group: 'country' })).toBe('Peru');
    expect(extract('ANSWER: yes', { type: 'regex', pattern: 'answer: (\\w+)', flags: 'i' })).toBe('yes');
  });

  it('extracts nothing when the pattern does not match or the group did not take part', () => {
    expect(extract('no answer here', { type: 'regex', pattern: 'Final: (\\w+)' })).toBeNull();
    expect(extract('b', { type: 'regex', pattern: '(a)|b' })).toBeNull();
  });

  it('looks only at the first 10,000 characters of a huge answer, and says so', () => {
    const huge = `${'x'.repeat(2_000_000)} Final: Paris`;
    expect(extractAnswer(huge, extractionSchema.parse({ type: 'regex', pattern: 'Final: (\\w+)' }))).toEqual({ value: null, truncated: true });
  });

  it('refuses invalid patterns, lookaround, backreferences, unknown flags and missing groups, naming the field', () => {
    const problem = (extraction: unknown) => {
      const result = extractionSchema.safeParse(extraction);
      expect(result.success).toBe(false);
      const issue = result.error!.issues[0]!;
      return `${issue.path.join('.')}: ${issue.message}`;
    };
    expect(problem({ type: 'regex', pattern: '(unclosed' })).toMatch(/^pattern: invalid regular expression/);
    expect(problem({ type: 'regex', pattern: 'Final: (?=\\w)(\\w+)' })).toMatch(/^pattern: lookahead .* not supported by the linear-time regex engine/);
    expect(problem({ type: 'regex', pattern: '(\\w)\\1' })).toMatch(/^pattern: backreferences/);
    expect(problem({ type: 'regex', pattern: 'a', flags: 'g' })).toMatch(/^flags: may only be i, m, s and u/);
    expect(problem({ type: 'regex', pattern: 'a', flags: 'ii' })).toMatch(/^flags:/);
    expect(problem({ type: 'regex', pattern: '(a)', group: 2 })).toBe('group: the pattern has no group 2');
    expect(problem({ type: 'regex', pattern: '(?<x>a)', group: 'y' })).toBe('group: the pattern has no group y');
    expect(problem({ type: 'regex', pattern: '' })).toMatch(/^pattern:/);
  });

  it('refuses to run a pattern that skipped validation', () => {
    expect(() => extractRegexGroup('aaaa!', '(?<=a)!')).toThrow(/^pattern: lookbehind/);
  });

  it('accepts any repetition, nested too: the engine is linear', () => {
    for (const pattern of ['\\(a+\\)+', '[(]a+[)]+', '(\\d+)-(\\d+)', '(?:ab)+c*', '(a+)?b', '(a{2})*', '[^]*?(x)', '^(a+)+$', '(?:\\w+\\s?)*!', '(a|a)*$']) {
      expect(extractionSchema.safeParse({ type: 'regex', pattern }).success, pattern).toBe(true);
    }
  });
});

describe('extracting the first number', () => {
  it.each([
    ['The result is -3.', '-3'],
    ['Total: 1,234.5 units', '1234.5'],
    ['About 1e3 people', '1000'],
    ['Approximately 2.5E-2', '0.025'],
    ['It fell by \u221212 degrees', '-12'],
    ['GPT-4 scored 86', '4'],
    ['H2O boils at 100 °C', '100'],
    ['x = +.5', '0.5'],
    ['$1,000,000 prize', '1000000'],
    ['list 1,23 and more', '1'],
    ['-0', '0'],
  ])('reads %j as %s', (text, expected) => {
    expect(extract(text, { type: 'first_number' })).toBe(expected);
  });

  it('finds nothing in text without a number, and gives numbers as numbers', () => {
    expect(extract('no digits at all', { type: 'first_number' })).toBeNull();
    expect(extract('', { type: 'first_number' })).toBeNull();
    expect(firstNumber('1,234,567.25')).toBe(1234567.25);
  });
});

describe('extracting a multiple-choice letter', () => {
  it.each([
    ['Answer: (B)', 'B'],
    ['The answer is C.', 'C'],
    ['**Final Answer:** D', 'D'],
    ['Answer: **E**', 'E'],
    ['The correct option is F', 'F'],
    ["The answer is 'C'.", 'C'],
    ['Answer: \u201cD\u201d', 'D'],
    ['Therefore $\\boxed{G}$', 'G'],
    ['B.', 'B'],
    ['(H)', 'H'],
    ['**C**', 'C'],
    ['  A  ', 'A'],
    ['B. Paris is the capital of France.', 'B'],
    ['(D) Because it is larger.', 'D'],
    ["I'd go with **J** here, since it fits best.", 'J'],
    ['Looking at the options, I would pick (C).', 'C'],
  ])('reads %j as %s', (text, expected) => {
    expect(extractChoiceLetter(text)).toBe(expected);
  });

  it('prefers the final explicit answer over letters mentioned while reasoning', () => {
    expect(extractChoiceLetter('Option (A) is wrong and (B) too. So the answer is D.')).toBe('D');
    expect(extractChoiceLetter('The answer is B.\n\nWait — on reflection the answer is C.')).toBe('C');
    expect(extractChoiceLetter('A. first\nB. second\nC. third\nAnswer: C')).toBe('C');
  });

  it('does not read articles, pronouns or words as letters', () => {
    expect(extractChoiceLetter('The answer is a matter of taste.')).toBeNull();
    expect(extractChoiceLetter('Answer: Because the sky is blue.')).toBeNull();
    expect(extractChoiceLetter("Answer: I think it's hard to say")).toBeNull();
    expect(extractChoiceLetter("The answer: I'd say it depends")).toBeNull();
    expect(extractChoiceLetter('Final answer: I')).toBe('I');
    expect(extractChoiceLetter('Answer: I think the answer is A')).toBe('A');
  });

  it('gives nothing when the marked letters disagree or fall outside the options', () => {
    expect(extractChoiceLetter('Both **A** and **B** look plausible.')).toBeNull();
    expect(extractChoiceLetter('Answer: E', 'ABCD')).toBeNull();
    expect(extract('Answer: E', { type: 'choice_letter', letters: 'ABCD' })).toBeNull();
    expect(extractChoiceLetter('')).toBeNull();
  });

  it('stays fast on a huge answer full of near misses', () => {
    const huge = `${'answer is    '.repeat(100_000)}answer is B`;
    expect(extractChoiceLetter(huge)).toBe('B');
  });

  it('refuses letter sets that are not distinct capitals', () => {
    expect(extractionSchema.safeParse({ type: 'choice_letter', letters: 'abcd' }).error?.issues[0]?.path).toEqual(['letters']);
    expect(extractionSchema.safeParse({ type: 'choice_letter', letters: 'AAB' }).success).toBe(false);
  });
});

describe('extracting a value by JSON path', () => {
  const answer = 'Here you go:\n```json\n{"city": {"name": "Paris", "population": 2102650, "tags": ["capital", "river"]}, "ok": true, "key with space": null}\n```';

  it('reads names, indexes and quoted keys out of fenced JSON', () => {
    expect(extract(answer, { type: 'json_path', path: '$.city.name' })).toBe('Paris');
    expect(extract(answer, { type: 'json_path', path: '$.city.tags[1]' })).toBe('river');
    expect(extract(answer, { type: 'json_path', path: '$.city.population' })).toBe('2102650');
    expect(extract(answer, { type: 'json_path', path: "$['key with space']" })).toBe('null');
    expect(extract(answer, { type: 'json_path', path: '$.ok' })).toBe('true');
  });

  it('gives objects as canonical JSON, so key order does not matter', () => {
    expect(extract('{"a": {"z": 1, "b": 2}}', { type: 'json_path', path: '$.a' })).toBe('{"b":2,"z":1}');
  });

  it('finds nothing on a missing key, an index past the end, a wrong type or no JSON', () => {
    for (const path of ['$.city.country', '$.city.tags[5]', '$.city.name[0]', '$.city.tags.length', '$.constructor']) {
      expect(extract(answer, { type: 'json_path', path }), path).toBeNull();
    }
    expect(extract('not json at all', { type: 'json_path', path: '$.a' })).toBeNull();
  });

  it('refuses paths outside the supported subset, naming the field', () => {
    for (const path of ['a.b', '$..a', '$.a[*]', '$.a[-1]', '$[?(@.x)]', '$.a.', `$${'.a'.repeat(300)}`]) {
      const result = extractionSchema.safeParse({ type: 'json_path', path });
      expect(result.success, path).toBe(false);
      expect(result.error!.issues[0]!.path).toEqual(['path']);
    }
  });
});
