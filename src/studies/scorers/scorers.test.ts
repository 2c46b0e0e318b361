import { RE2JS } from 're2js';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../errors';
import { canonicalJson, sha256Hex } from '../../capture/request-hash';
import {
  acceptableAnswers,
  configHash,
  isDeterministicScorer,
  parseScorerConfig,
  scoreAndCompare,
  scoreAnswer,
  scorerConfigSchema,
  type DeterministicScorerConfig,
} from './scorers';

const scorer = (config: unknown) => {
  const parsed = parseScorerConfig(config);
  if (!isDeterministicScorer(parsed)) throw new Error('expected a deterministic scorer');
  return parsed as DeterministicScorerConfig;
};
const score = (config: unknown, answer: string, expected?: unknown) => scoreAnswer(scorer(config), answer, expected);
const issueOf = (config: unknown) => {
  try {
    parseScorerConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).message;
  }
  throw new Error('the config was accepted');
};

describe('exact scorer', () => {
  it('passes only on the identical string, and labels the answer as compared', () => {
    expect(score({ type: 'exact' }, 'Paris', 'Paris')).toEqual({ value: 1, label: 'Paris', pass: true, detail: { matched_expected: 'Paris' } });
    expect(score({ type: 'exact' }, 'Paris ', 'Paris')).toMatchObject({ value: 0, label: 'Paris ', pass: false });
    expect(score({ type: 'exact' }, 'paris', 'Paris').pass).toBe(false);
  });

  it('passes when any acceptable answer matches, numbers included', () => {
    expect(score({ type: 'exact' }, 'Paree', ['Paris', 'Paree']).detail).toEqual({ matched_expected: 'Paree' });
    expect(score({ type: 'exact' }, '42', [42, 'forty-two']).pass).toBe(true);
  });

  it('fails an empty answer, and cannot score without a usable expected answer', () => {
    expect(score({ type: 'exact' }, '', 'Paris')).toMatchObject({ value: 0, pass: false });
    expect(score({ type: 'exact' }, '', '')).toMatchObject({ value: 1, pass: true });
    for (const expected of [undefined, null, [], [null, { a: 1 }], true, Number.NaN]) {
      expect(score({ type: 'exact' }, 'Paris', expected), JSON.stringify(expected)).toEqual({
        value: null,
        label: null,
        pass: null,
        detail: { error: 'no expected answer (a string, a number, or a list of them)' },
      });
    }
  });

  it('compares the extracted part, and fails when nothing could be extracted', () => {
    const config = { type: 'exact', extract: { type: 'choice_letter' } };
    expect(score(config, 'Reasoning… the answer is (B).', 'B')).toEqual({ value: 1, label: 'B', pass: true, detail: { extracted: 'B', matched_expected: 'B' } });
    expect(score(config, 'I cannot decide.', 'B')).toEqual({ value: 0, label: null, pass: false, detail: { extracted: null } });
  });
});

describe('normalised exact scorer', () => {
  it('ignores case, punctuation, spacing and compatibility forms by default', () => {
    const result = score({ type: 'normalized_exact' }, '  THE  Eiffel Tower!  ', ['Tour Eiffel', 'The Eiffel Tower.']);
    expect(result).toEqual({
      value: 1,
      label: 'the eiffel tower',
      pass: true,
      detail: { normalized: 'the eiffel tower', matched_expected: 'The Eiffel Tower.' },
    });
    // Punctuation is removed, not replaced by a space (as in the SQuAD evaluation script).
    expect(score({ type: 'normalized_exact' }, 'Eiffel-Tower', 'Eiffel Tower').pass).toBe(false);
    expect(score({ type: 'normalized_exact' }, 'Ｐａｒｉｓ', 'paris').pass).toBe(true);
    expect(score({ type: 'normalized_exact' }, 'STRASSE', 'Straße').pass).toBe(true);
  });

  it('applies only the steps asked for', () => {
    const caseOnly = { type: 'normalized_exact', normalize: { case_fold: true } };
    expect(score(caseOnly, 'PARIS', 'paris').pass).toBe(true);
    expect(score(caseOnly, 'Paris!', 'paris').pass).toBe(false);
  });
});

describe('contains scorer', () => {
  it('passes when an acceptable answer appears in the answer, and labels which', () => {
    const result = score({ type: 'contains' }, 'I believe it is Lyon, or maybe Paris.', ['Marseille', 'Paris']);
    expect(result).toEqual({ value: 1, label: 'Paris', pass: true, detail: { matched_expected: 'Paris' } });
    expect(score({ type: 'contains' }, 'It is paris', 'Paris').pass).toBe(false);
    expect(score({ type: 'contains', normalize: { case_fold: true } }, 'It is PARIS', 'Paris').label).toBe('paris');
  });

  it('cannot score with only empty expected answers, which every answer would contain', () => {
    expect(score({ type: 'contains' }, 'anything', ['']).pass).toBeNull();
    expect(score({ type: 'contains', normalize: { strip_punctuation: true } }, 'anything', ['...']).pass).toBeNull();
  });

  it('searches all of a huge answer', () => {
    const huge = `${'filler '.repeat(500_000)}Paris`;
    expect(score({ type: 'contains' }, huge, 'Paris').pass).toBe(true);
  });
});

describe('regex scorer', () => {
  it('passes when the pattern matches and labels the matched text', () => {
    expect(score({ type: 'regex', pattern: '\\b[A-D]\\b' }, 'I pick C', undefined)).toEqual({ value: 1, label: 'C', pass: true, detail: {} });
    expect(score({ type: 'regex', pattern: '^\\d+$' }, '12a')).toMatchObject({ value: 0, label: null, pass: false });
    expect(score({ type: 'regex', pattern: 'paris', flags: 'i' }, 'PARIS').pass).toBe(true);
  });

  it('matches Unicode letters with the u flag', () => {
    expect(score({ type: 'regex', pattern: '^\\p{Lu}\\p{Ll}+$', flags: 'u' }, 'Ångström').pass).toBe(true);
  });

  it('looks only at the first 10,000 characters of a huge answer, and says so', () => {
    const result = score({ type: 'regex', pattern: 'needle' }, `${'a'.repeat(1_000_000)}needle`);
    expect(result).toEqual({ value: 0, label: null, pass: false, detail: { input_truncated: true } });
  });

  it('scores the patterns that backtracked for seconds to forever, with the outcome JavaScript would give', () => {
    const long = `${'a'.repeat(9_990)}!`;
    expect(score({ type: 'regex', pattern: '(a|a)*$' }, `${'a'.repeat(27)}!`)).toEqual({ value: 1, label: '', pass: true, detail: {} });
    expect(score({ type: 'regex', pattern: '(a|a)*$' }, long).pass).toBe(true);
    expect(score({ type: 'regex', pattern: '(a|aa)+$' }, long).pass).toBe(false);
    expect(score({ type: 'regex', pattern: '(a+){5}$' }, long).pass).toBe(false);
    // 103 instructions: it reads the first 4,854 characters (500,000 ÷ 103), all "a", and says it was cut.
    expect(score({ type: 'regex', pattern: '(.*a){20}$' }, long)).toMatchObject({ pass: true, detail: { input_truncated: true } });
    expect(score({ type: 'regex', pattern: '(.*a){20}$' }, `${'a'.repeat(2_000)}!`).pass).toBe(false);
    expect(score({ type: 'exact', extract: { type: 'regex', pattern: '(a|aa)+$' } }, long, 'a')).toMatchObject({ pass: false, detail: { extracted: null } });
  });

  it('compiles its pattern once for a whole run of answers', () => {
    const compile = vi.spyOn(RE2JS, 'compile');
    const config = scorer({ type: 'regex', pattern: `^run-${Date.now()} (\\d+)$`, extract: { type: 'regex', pattern: `answer-${Date.now()}: (.+)` } });
    for (let i = 0; i < 300; i++) scoreAnswer(config, `answer-x: ${i}`);
    expect(compile).toHaveBeenCalledTimes(2);
    compile.mockRestore();
  });
});

describe('numeric scorer', () => {
  it('compares the first number of the answer with the expected one', () => {
    expect(score({ type: 'numeric' }, 'The total is 1,234.5 dollars.', '1234.5')).toEqual({
      value: 1,
      label: '1234.5',
      pass: true,
      detail: { answer_number: 1234.5, closest_expected: 1234.5, abs_error: 0 },
    });
    expect(score({ type: 'numeric' }, 'about 1234.6', 1234.5).pass).toBe(false);
    expect(score({ type: 'numeric' }, '\u22123', '-3').pass).toBe(true);
  });

  it('passes within an absolute or a relative tolerance, whichever is wider', () => {
    expect(score({ type: 'numeric', abs_tol: 0.5 }, '10.4', '10').pass).toBe(true);
    expect(score({ type: 'numeric', abs_tol: 0.5 }, '10.6', '10').pass).toBe(false);
    expect(score({ type: 'numeric', rel_tol: 0.01 }, '1009', '1000').pass).toBe(true);
    expect(score({ type: 'numeric', rel_tol: 0.01 }, '1011', '1000').pass).toBe(false);
    expect(score({ type: 'numeric', abs_tol: 2, rel_tol: 0.001 }, '1001.5', '1000').pass).toBe(true);
  });

  it('takes the closest of several expected numbers', () => {
    expect(score({ type: 'numeric' }, '7', ['3', '7.0', 'ten']).detail).toMatchObject({ closest_expected: 7, abs_error: 0 });
  });

  it('fails an answer without a number, and cannot score expected answers without one', () => {
    expect(score({ type: 'numeric' }, 'I do not know', '3')).toMatchObject({ value: 0, label: null, pass: false });
    expect(score({ type: 'numeric' }, '3', 'three').detail).toEqual({ error: 'no expected answer holds a number' });
  });

  it('reads the number out of an extraction first', () => {
    const config = { type: 'numeric', extract: { type: 'json_path', path: '$.result' } };
    expect(score(config, 'Step 1: 2 + 2. {"result": 4}', 4)).toMatchObject({ pass: true, detail: { extracted: '4' } });
  });
});

describe('valid JSON scorer', () => {
  it('accepts a whole JSON answer, or a fenced or embedded one unless strict', () => {
    expect(score({ type: 'valid_json' }, ' {"a": [1, 2]} ')).toEqual({ value: 1, label: 'valid', pass: true, detail: { source: 'whole' } });
    expect(score({ type: 'valid_json' }, 'Sure:\n```json\n{"a": 1}\n```').detail).toEqual({ source: 'fenced' });
    expect(score({ type: 'valid_json' }, 'Result: {"a": 1} — done').detail).toEqual({ source: 'embedded' });
    expect(score({ type: 'valid_json', strict: true }, 'Result: {"a": 1}')).toMatchObject({ value: 0, label: 'invalid', pass: false });
  });

  it('rejects broken JSON and an empty answer with the parser message', () => {
    const broken = score({ type: 'valid_json' }, '{"a": 1,}');
    expect(broken.pass).toBe(false);
    expect(String(broken.detail.error)).toMatch(/JSON/);
    expect(score({ type: 'valid_json' }, '').pass).toBe(false);
  });
});

describe('JSON Schema scorer', () => {
  const person = {
    type: 'object',
    required: ['name', 'age'],
    properties: { name: { type: 'string', minLength: 1 }, age: { type: 'integer', minimum: 0 } },
    additionalProperties: false,
  };

  it('passes JSON that matches the schema', () => {
    expect(score({ type: 'json_schema', schema: person }, '```json\n{"name": "Ada", "age": 36}\n```')).toEqual({
      value: 1,
      label: 'valid',
      pass: true,
      detail: { source: 'fenced' },
    });
  });

  it('fails JSON that does not, listing where', () => {
    const result = score({ type: 'json_schema', schema: person }, '{"name": "Ada", "age": 36.5, "extra": true}');
    expect(result).toMatchObject({ value: 0, label: 'invalid', pass: false });
    const locations = (result.detail.errors as Array<{ instanceLocation: string }>).map((e) => e.instanceLocation);
    expect(locations).toContain('#/age');
    expect(locations).toContain('#/extra');
  });

  it('fails an answer that is not JSON at all', () => {
    expect(score({ type: 'json_schema', schema: person }, 'Ada, 36')).toMatchObject({ pass: false, label: 'invalid' });
  });

  it('supports other drafts and boolean schemas', () => {
    const draft4 = { type: 'json_schema', draft: '4', schema: { type: 'number', maximum: 10, exclusiveMaximum: true } };
    expect(score(draft4, '10').pass).toBe(false);
    expect(score(draft4, '9.5').pass).toBe(true);
    expect(score({ type: 'json_schema', schema: false }, '{}').pass).toBe(false);
  });

  it('refuses a schema with an unresolvable $ref or a pattern the linear-time engine cannot run, naming the field', () => {
    expect(issueOf({ type: 'json_schema', schema: { $ref: '#/$defs/missing' } })).toMatch(/^scorer\.schema: is not a usable JSON Schema: Unresolved \$ref/);
    expect(issueOf({ type: 'json_schema', schema: { properties: { a: { type: 'string', pattern: '^(?!x)' } } } })).toBe(
      'scorer.schema: pattern "^(?!x)" (at #/properties/a/pattern): lookahead ((?=…), (?!…)) is not supported by the linear-time regex engine',
    );
    expect(issueOf({ type: 'json_schema', schema: { patternProperties: { '^(\\w)\\1$': {} } } })).toMatch(/^scorer\.schema: pattern .* \(at #\/patternProperties\/.*\): backreferences/);
  });

  it('refuses an invalid pattern anywhere in the schema', () => {
    expect(issueOf({ type: 'json_schema', schema: { properties: { a: { type: 'string', pattern: '[' } } } })).toMatch(
      /^scorer\.schema: pattern "\[" \(at #\/properties\/a\/pattern\): invalid regular expression/,
    );
  });

  it('cannot score when an answer reaches an unresolvable $ref deep in the schema', () => {
    const config = { type: 'json_schema', schema: { properties: { a: { $ref: '#/$defs/missing' } } } };
    expect(score(config, '{"b": 1}').pass).toBe(true);
    const result = score(config, '{"a": 1}');
    expect(result).toMatchObject({ value: null, label: null, pass: null });
    expect(String(result.detail.error)).toMatch(/^the schema could not be applied: Unresolved \$ref/);
  });
});

describe('scorer configs', () => {
  it('rejects bad configs with a message naming the field', () => {
    expect(issueOf({ type: 'fuzzy' })).toMatch(/^scorer\.type: /);
    expect(issueOf({ type: 'regex', pattern: '(' })).toMatch(/^scorer\.pattern: invalid regular expression/);
    expect(issueOf({ type: 'regex', pattern: 'a', flags: 'g' })).toMatch(/^scorer\.flags: /);
    expect(issueOf({ type: 'numeric', abs_tol: -1 })).toMatch(/^scorer\.abs_tol: /);
    expect(issueOf({ type: 'exact', extract: { type: 'json_path', path: 'a.b' } })).toBe('scorer.extract.path: must start with "$"');
    expect(issueOf({ type: 'normalized_exact', normalize: { lowercase: true } })).toMatch(/^scorer\.normalize: .*lowercase/);
    expect(issueOf({ type: 'exact', expected: 'Paris' })).toMatch(/expected/);
    expect(issueOf({ type: 'semantic', provider: 'openai', model: 'text-embedding-3-small', threshold: 1.5 })).toMatch(/^scorer\.threshold: /);
  });

  it('names the field under the caller\'s prefix', () => {
    expect(() => parseScorerConfig({ type: 'numeric', rel_tol: 2 }, 'scorers.1')).toThrow(/^scorers\.1\.rel_tol: /);
  });

  it('fills in defaults', () => {
    expect(parseScorerConfig({ type: 'normalized_exact' })).toEqual({
      type: 'normalized_exact',
      normalize: { nfkc: true, case_fold: true, strip_punctuation: true, whitespace: true },
    });
    expect(parseScorerConfig({ type: 'numeric' })).toEqual({ type: 'numeric', abs_tol: 0, rel_tol: 0 });
    expect(scorerConfigSchema.parse({ type: 'json_schema', schema: {} })).toEqual({ type: 'json_schema', schema: {}, draft: '2020-12', strict: false });
  });

  it('tells the deterministic scorers from those needing a model', () => {
    expect(isDeterministicScorer(parseScorerConfig({ type: 'exact' }))).toBe(true);
    expect(isDeterministicScorer(parseScorerConfig({ type: 'semantic', provider: 'openai', model: 'm', threshold: 0.8 }))).toBe(false);
  });
});

describe('config hash', () => {
  it('is the SHA-256 of the validated config as canonical JSON', async () => {
    const config = { type: 'numeric', abs_tol: 0.5, rel_tol: 0 };
    expect(await configHash(config)).toBe(await sha256Hex(canonicalJson(config)));
    expect(await configHash(config)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on key order, at any depth', async () => {
    const a = { type: 'exact', extract: { type: 'regex', pattern: 'A: (\\w)', flags: 'i' } };
    const b = { extract: { flags: 'i', pattern: 'A: (\\w)', type: 'regex' }, type: 'exact' };
    expect(await configHash(a)).toBe(await configHash(b));
  });

  it('does not change when defaults are spelled out, and changes with any setting', async () => {
    const implicit = await configHash({ type: 'normalized_exact' });
    expect(await configHash({ type: 'normalized_exact', normalize: { nfkc: true, case_fold: true, strip_punctuation: true, whitespace: true } })).toBe(implicit);
    expect(await configHash({ type: 'normalized_exact', normalize: { case_fold: true } })).not.toBe(implicit);
    expect(await configHash({ type: 'numeric', abs_tol: 0.5 })).not.toBe(await configHash({ type: 'numeric', abs_tol: 0.25 }));
  });

  it('refuses to hash an invalid config', async () => {
    await expect(configHash({ type: 'regex', pattern: '(' })).rejects.toThrow();
  });
});

describe('acceptable answers', () => {
  it('reads a string, a number or a list, ignoring entries of other types', () => {
    expect(acceptableAnswers('Paris')).toEqual(['Paris']);
    expect(acceptableAnswers(3.5)).toEqual(['3.5']);
    expect(acceptableAnswers(['Paris', 75, null, { city: 'Paris' }, ['nested']])).toEqual(['Paris', '75']);
    expect(acceptableAnswers([null])).toBeNull();
    expect(acceptableAnswers(undefined)).toBeNull();
  });
});

describe('the value each scorer compares (what votes and answer distributions count)', () => {
  const compared = (config: unknown, answer: string, expected?: unknown) => scoreAndCompare(scorer(config), answer, expected);

  it('numeric: the number, so "42", "42." and "The answer is 42" are one answer', () => {
    for (const answer of ['42', '42.', 'The answer is 42', 'forty-two: 42.0']) expect(compared({ type: 'numeric' }, answer, 42)).toMatchObject({ compared: '42', result: { pass: true } });
    expect(compared({ type: 'numeric' }, 'no idea', 42)).toEqual({ compared: null, result: expect.objectContaining({ pass: false }) });
    // Without an expected answer it cannot pass or fail, but the number is still what it would compare.
    expect(compared({ type: 'numeric' }, 'about 7 apples')).toMatchObject({ compared: '7', result: { pass: null } });
  });

  it('choice_letter extraction: the letter; normalized_exact: the normalised text; contains: the normalised text searched', () => {
    expect(compared({ type: 'exact', extract: { type: 'choice_letter' } }, 'I think the answer is (B).', 'B').compared).toBe('B');
    expect(compared({ type: 'exact', extract: { type: 'choice_letter' } }, '**B**', 'C')).toMatchObject({ compared: 'B', result: { pass: false } });
    expect(compared({ type: 'normalized_exact' }, '  Paris!! ', 'paris')).toMatchObject({ compared: 'paris', result: { pass: true } });
    expect(compared({ type: 'contains', normalize: { case_fold: true } }, 'It is PARIS', 'Paris').compared).toBe('it is paris');
    expect(compared({ type: 'contains' }, 'It is PARIS', 'Paris').compared).toBe('It is PARIS');
  });

  it('regex: the (extracted) text the pattern ran on; JSON scorers: the canonical JSON, null when there is none', () => {
    expect(compared({ type: 'regex', pattern: 'Lima' }, 'in Lima').compared).toBe('in Lima');
    expect(compared({ type: 'valid_json' }, '{ "b": 1, "a": [1, 2] }').compared).toBe('{"a":[1,2],"b":1}');
    expect(compared({ type: 'valid_json' }, '{"a":').compared).toBeNull();
    expect(compared({ type: 'json_schema', schema: { type: 'object' } }, '{"z": 1,"a": 2}').compared).toBe('{"a":2,"z":1}');
  });

  it('scores exactly as scoreAnswer does', () => {
    const cases: Array<[unknown, string, unknown]> = [
      [{ type: 'numeric', abs_tol: 0.5 }, 'About 41.5 apples.', 42],
      [{ type: 'normalized_exact', extract: { type: 'regex', pattern: 'answer is (\\w+)' } }, 'The answer is PARIS!', 'Paris'],
      [{ type: 'exact' }, 'Paris', undefined],
      [{ type: 'json_schema', schema: { type: 'array' } }, '{}', undefined],
    ];
    for (const [config, answer, expected] of cases) expect(compared(config, answer, expected).result).toEqual(score(config, answer, expected));
  });
});
