// Caller patterns run on re2js: the same matches JavaScript would find, in linear time, compiled once;
// what RE2 cannot run is refused with a message.
import { RE2JS } from 're2js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { boundRegexInput, compileUserRegex, MAX_REGEX_INPUT_CHARS, REGEX_WORK_PER_SEARCH, regexProblem } from './user-regex';

afterEach(() => vi.restoreAllMocks());

/** The whole match and every group as JavaScript finds them, or null. */
function nativeMatch(pattern: string, flags: string, text: string) {
  const match = new RegExp(pattern, flags).exec(text);
  return match ? [...match].map((group) => group ?? null) : null;
}
function engineMatch(pattern: string, flags: string, text: string) {
  const regex = compileUserRegex(pattern, flags);
  if (!regex.search(text)) return null;
  return Array.from({ length: regex.groupCount + 1 }, (_, group) => regex.search(text, group)!.value);
}

describe('caller patterns on the linear-time engine', () => {
  it.each([
    ['answer is (\\w+)', '', ['so the answer is 42.', 'no answer']],
    ['^(yes|no)\\b', 'i', ['Yes, indeed', 'nope', 'no']],
    ['\\b\\d+(\\.\\d+)?\\b', '', ['pi is 3.14!', 'v1.2', 'x 12']],
    ['a.c', '', ['a\nc', 'a\rc', 'abc', 'a\u2028c']],
    ['a.c', 's', ['a\nc', 'a\rc']],
    ['\\s+(\\S+)', '', ['a\u00a0b', 'a\u202fb c', 'ab']],
    ['[^\\s]+|[\\S]+', '', ['  ab  ']],
    ['[\\w-]+', '', ['foo-bar baz']],
    ['[^]+', '', ['a\nb']],
    ['x[]|y', '', ['xy']],
    ['\\u00e9+ \\x41 \\cJ', '', ['caf\u00e9\u00e9 A \n']],
    ['\\ud83d\\ude00|\\u{1F600}', 'u', ['x\u{1f600}y']],
    ['^\\p{Lu}\\p{Ll}+ (\\p{Letter}+) \\p{Script=Greek}+$', 'u', ['Ångström Ølse αβγ']],
    ['(?<year>\\d{4})-(?<month>\\d\\d)', '', ['on 2024-05-01']],
    ['a{2,3}|a{,3}|x{', '', ['aaaa', 'a{,3}', 'x{']],
    ['\\/path\\.\\Q\\z', '', ['/path.Qz']],
    ['^b$', 'm', ['a\nb\nc']],
    ['c$', '', ['abc\n', 'abc']],
    ['[[][a[:digit:]]+', '', ['[[:dig']],
    ['(a)|b', '', ['b']],
    ['\\bfoo\\B|[\\b]', '', ['foobar foo', 'a\bb']],
    ['(a|a)*$', '', ['aaaa!']],
    ['^(sk|no)\\b', 'i', ['Sk yes', 'SK', '', 'x sk', 'NO!']],
    ['^\\u{1F600}+', 'u', ['\u{1f600}\u{1f600} ok', ' \u{1f600}', '\ud83d']],
    ['^\\d*x', '', ['x', '12x', 'a12x']],
  ])('%s /%s finds what JavaScript finds', (pattern, flags, texts) => {
    for (const text of texts) expect(engineMatch(pattern, flags, text), text).toEqual(nativeMatch(pattern, flags, text));
  });

  it('reads a group by number or name, null when it took no part, and refuses a group the pattern lacks', () => {
    const regex = compileUserRegex('(?<word>\\w+)(!)?');
    expect(regex.search('hi', 'word')).toEqual({ value: 'hi' });
    expect(regex.search('hi', 2)).toEqual({ value: null });
    expect(regex.search('  ', 0)).toBeNull();
    expect(() => regex.search('hi', 3)).toThrow(/no group 3/);
    expect(() => regex.search('hi', 'other')).toThrow(/no group other/);
    expect(regex.groupNames).toEqual(['word']);
  });

  it('answers the catastrophic patterns of the hostile pass, each with its right outcome', () => {
    const long = `${'a'.repeat(9_990)}!`;
    // A backtracking engine takes seconds to forever on each of these.
    expect(compileUserRegex('(a|a)*$').search(long)).toEqual({ value: '' });
    expect(compileUserRegex('(a|aa)+$').search(long)).toBeNull();
    expect(compileUserRegex('(a+){5}$').search(long)).toBeNull();
    expect(compileUserRegex('(.*a){20}$').search(long)).toBeNull();
    expect(compileUserRegex('(x|x)*y').test(`${'x'.repeat(100_000)}`)).toBe(false);
    expect(compileUserRegex('^(a+)+$').test(long)).toBe(false);
  });

  it('refuses what the engine cannot run, saying what', () => {
    expect(regexProblem('(?=a)b')).toEqual({ field: 'pattern', message: expect.stringMatching(/^lookahead .* not supported by the linear-time regex engine/) });
    expect(regexProblem('a(?!b)')?.message).toMatch(/^lookahead/);
    expect(regexProblem('(?<=a)b')?.message).toMatch(/^lookbehind/);
    expect(regexProblem('(?<!a)b')?.message).toMatch(/^lookbehind/);
    expect(regexProblem('(a)\\1')?.message).toMatch(/^backreferences \(\\1\)/);
    expect(regexProblem('(?<x>a)\\k<x>')?.message).toMatch(/^backreferences \(\\k<name>\)/);
    expect(regexProblem('a{1001}')?.message).toMatch(/^the linear-time regex engine cannot run it \(invalid repeat count/);
    expect(regexProblem('(')?.message).toMatch(/^invalid regular expression: .*Unterminated group/);
    expect(regexProblem('a', 'g')).toEqual({ field: 'flags', message: 'may only be i, m, s and u, each once (got "g")' });
    expect(regexProblem('.{0,1000}x')?.message).toMatch(/^is too large for the linear-time regex engine \(2003 instructions, at most 1000\)/);
  });

  it('accepts the nested repetition the old heuristic refused', () => {
    for (const pattern of ['^(a+)+$', '(?:\\w+\\s?)*!', '(\\d+,?)+', '([a-z]+\\.)+[a-z]{2,}']) expect(regexProblem(pattern), pattern).toBeNull();
  });

  it('compiles a pattern once, however many answers it reads', () => {
    const compile = vi.spyOn(RE2JS, 'compile');
    const pattern = `compiled once (\\d+) ${Math.random()}`;
    for (let i = 0; i < 500; i++) compileUserRegex(pattern, 'i').search(`answer ${i}`);
    expect(regexProblem(pattern, 'i')).toBeNull();
    expect(compile).toHaveBeenCalledTimes(1);
  });

  it('reads the first 10,000 characters of an answer, fewer for a pattern so large that a search would cost more', () => {
    const small = compileUserRegex('answer is (\\w+)');
    expect(small.inputWindow).toBe(MAX_REGEX_INPUT_CHARS);
    expect(boundRegexInput('x'.repeat(20_000), small)).toEqual({ text: 'x'.repeat(MAX_REGEX_INPUT_CHARS), truncated: true });
    expect(boundRegexInput('short', small)).toEqual({ text: 'short', truncated: false });
    const large = compileUserRegex('\\w{1,300}!');
    expect(large.inputWindow).toBe(Math.floor(REGEX_WORK_PER_SEARCH / large.programSize));
    expect(large.inputWindow).toBeLessThan(MAX_REGEX_INPUT_CHARS);
    expect(large.work(large.inputWindow)).toBeLessThanOrEqual(REGEX_WORK_PER_SEARCH + large.programSize);
  });
});
