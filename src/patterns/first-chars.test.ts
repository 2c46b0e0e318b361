import { RE2JS, RE2Set } from 're2js';
import { describe, expect, it } from 'vitest';
import { firstCharClass, type CompiledProgram } from './first-chars';
import { compileUserRegex } from './user-regex';

const classOf = (pattern: string, flags = 0) => firstCharClass(RE2JS.compile(pattern, flags).re2().prog as unknown as CompiledProgram);

/** The engine's own answer, searching from the first position: what the skip must never change. */
function unskipped(pattern: string, text: string, flags = 0): string | null {
  const program = RE2JS.compile(pattern, flags).re2();
  const [matched, positions] = program.matchWithGroup(text, 0, text.length, RE2Set.UNANCHORED, 1) as [boolean, number[] | null];
  return matched && positions ? text.slice(positions[0], positions[1]) : null;
}

describe('the characters a match can start with', () => {
  it('are read off the program: digits for \\b\\d+, the first letters of alternatives, nothing for what can match empty or any character', () => {
    expect(classOf('\\b\\d+(\\.\\d+)?\\b')?.source).toBe('[\\u{30}-\\u{39}]');
    const alternatives = classOf('(?:cat|dog)s?');
    expect(alternatives?.test('c') && alternatives.test('d') && !alternatives.test('s')).toBe(true);
    expect(classOf('a*')).toBeNull();
    expect(classOf('.x')).toBeNull();
    expect(classOf('(?:x|)y')?.test('y')).toBe(true);
  });

  it('take case folding into account, the Kelvin sign and long s included', () => {
    const k = classOf('k', RE2JS.CASE_INSENSITIVE)!;
    expect(['k', 'K', '\u212a'].every((c) => k.test(c))).toBe(true);
    const s = classOf('s', RE2JS.CASE_INSENSITIVE)!;
    expect(['s', 'S', '\u017f'].every((c) => s.test(c))).toBe(true);
    expect(classOf('é', RE2JS.CASE_INSENSITIVE)).toBeNull();
  });

  it('never change what a search finds (word boundaries at the skipped-to position, case folding, misses)', () => {
    const cases: Array<[string, string, number?]> = [
      ['\\b\\d+(\\.\\d+)?\\b', 'a1 22.5 and 7'],
      ['\\b\\d+', 'x9y 10'],
      ['\\d+\\b', 'no digits here'],
      ['(?:cat|dog)s?', 'hot dogs and cats'],
      ['k\\w+', 'the \u212aelvin scale', RE2JS.CASE_INSENSITIVE],
      ['^\\d', 'a\n1\n2', RE2JS.MULTILINE],
      ['[xy]z', 'xxxyz'],
    ];
    for (const [pattern, text, flags = 0] of cases) {
      const jsFlags = `${flags & RE2JS.CASE_INSENSITIVE ? 'i' : ''}${flags & RE2JS.MULTILINE ? 'm' : ''}`;
      const skipped = compileUserRegex(pattern, jsFlags).search(text);
      expect(skipped?.value ?? null, `${pattern} on ${JSON.stringify(text)}`).toBe(unskipped(pattern, text, flags));
    }
  });
});
