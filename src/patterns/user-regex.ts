// Regular expressions that callers write — scorer patterns, regex extractions, JSON Schema
// "pattern" and "patternProperties" — run on re2js, a JavaScript port of RE2: matching takes time
// linear in the input (no backtracking, so no pattern can hang the server), and it runs on Workers
// too. Patterns are written in JavaScript syntax (see js-to-re2.ts); those RE2 cannot run are refused
// with a message, and each pattern is compiled once, not per answer.
//
// Linear is still (program size × input length): a search is kept under REGEX_WORK_PER_SEARCH by
// looking at only the first inputWindow characters of an answer — 10,000 for every usual pattern,
// fewer for very large ones — and patterns too large to see even 500 characters are refused.
import { RE2JS, RE2Set } from 're2js';
import { firstCharClass, type CompiledProgram } from './first-chars';
import { translateToRe2, UnsupportedPattern } from './js-to-re2';

export const MAX_REGEX_INPUT_CHARS = 10_000;
/** Program instructions × characters one search may cost: about 20 ms on the slowest patterns measured. */
export const REGEX_WORK_PER_SEARCH = 500_000;
export const MAX_REGEX_PROGRAM_SIZE = 1_000;
/** Longer than any scorer pattern (1,000) allows; JSON Schema patterns have no other bound. */
export const MAX_PATTERN_CHARS = 10_000;
/** i, m, s, u: flags that change what matches. g and y would make the match depend on lastIndex. */
export const REGEX_FLAGS = /^(?!.*(.).*\1)[imsu]*$/;

export interface RegexProblem {
  field: 'pattern' | 'flags';
  message: string;
}

// From re2js's RE2 program, read only to choose the faster call: its start condition (RE2's own
// "anchored at the start" test) and the literal prefilter it scans for before running.
const EMPTY_BEGIN_TEXT = 4;
type Program = ReturnType<RE2JS['re2']>;

export class UserRegex {
  readonly programSize: number;
  readonly groupCount: number;
  readonly groupNames: string[];
  /** How many leading characters of an answer a search sees, so that it costs at most REGEX_WORK_PER_SEARCH. */
  readonly inputWindow: number;
  private readonly program: Program;
  private readonly groupIndex: Record<string, number>;
  private readonly anchoredAtStart: boolean;
  private readonly hasPrefilter: boolean;
  /** The characters a match can start with, when that narrows the search (see first-chars.ts). */
  private readonly firstChars: RegExp | null;
  /** For a pattern anchored at the start: the same class, tried at the first character only. */
  private readonly firstCharAtStart: RegExp | null;

  constructor(private readonly re2: RE2JS) {
    this.programSize = re2.programSize();
    this.groupCount = re2.groupCount();
    this.groupIndex = re2.namedGroups();
    this.groupNames = Object.keys(this.groupIndex);
    this.inputWindow = Math.min(MAX_REGEX_INPUT_CHARS, Math.floor(REGEX_WORK_PER_SEARCH / this.programSize));
    this.program = re2.re2();
    this.anchoredAtStart = ((this.program.cond as number) & EMPTY_BEGIN_TEXT) !== 0;
    this.hasPrefilter = this.program.prefilter != null;
    const firstChars = this.hasPrefilter && !this.anchoredAtStart ? null : firstCharClass(this.program.prog as unknown as CompiledProgram);
    this.firstChars = this.anchoredAtStart ? null : firstChars;
    this.firstCharAtStart = this.anchoredAtStart && firstChars ? new RegExp(firstChars.source, 'uy') : null;
  }

  /** Whether the pattern matches anywhere in the text (all of it: the caller bounds the work, see work()). */
  test(text: string): boolean {
    return this.re2.test(text);
  }

  /**
   * The first match's `group` (0: the whole match; a number or a name): its text, or null when that
   * group took no part in the match. Null itself when nothing matches.
   */
  search(text: string, group: number | string = 0): { value: string | null } | null {
    const index = typeof group === 'number' ? group : this.groupIndex[group];
    if (index === undefined || index > this.groupCount) throw new RangeError(`the pattern has no group ${group}`);
    // Same results either way, chosen for speed: a pattern anchored at the start is tried there only
    // (a search would first scan the whole text for its literals); one without literals to scan for
    // is first run on RE2's DFA, which answers "no" several times faster than a search tracking
    // positions — unless the pattern's first character narrows where a match can start: then the
    // search starts at the first such character (for an anchored pattern: the text's first character
    // must be one, or nothing matches). Then one pass records the positions of the groups
    // up to the one asked for.
    let from = 0;
    if (this.firstCharAtStart) {
      this.firstCharAtStart.lastIndex = 0;
      if (!this.firstCharAtStart.test(text)) return null;
    }
    if (this.firstChars) {
      from = text.search(this.firstChars);
      if (from < 0) return null;
    } else if (!this.anchoredAtStart && !this.hasPrefilter && !this.re2.test(text)) return null;
    const anchor = this.anchoredAtStart ? RE2Set.ANCHOR_START : RE2Set.UNANCHORED;
    const [matched, positions] = this.program.matchWithGroup(text, from, text.length, anchor, index + 1) as [boolean, number[] | null];
    if (!matched || !positions) return null;
    const start = positions[2 * index]!;
    return { value: start < 0 ? null : text.slice(start, positions[2 * index + 1]) };
  }

  /** The cost of one pass over `length` characters, in the units of REGEX_WORK_PER_SEARCH. */
  work(length: number): number {
    return this.programSize * (length + 1);
  }
}

/** The part of an answer a search looks at: its first inputWindow characters. */
export function boundRegexInput(text: string, regex: UserRegex): { text: string; truncated: boolean } {
  return text.length > regex.inputWindow ? { text: text.slice(0, regex.inputWindow), truncated: true } : { text, truncated: false };
}

// A study's scorers hold at most 40 patterns; a JSON Schema's patterns are kept by its validator.
const CACHE_SIZE = 64;
const compiled = new Map<string, UserRegex | RegexProblem>();

/** Why the pattern (or its flags) cannot be used, or null when it can. */
export function regexProblem(pattern: string, flags = ''): RegexProblem | null {
  const result = compile(pattern, flags);
  return result instanceof UserRegex ? null : result;
}

/** The compiled pattern (the same object for the same pattern and flags); throws "field: message" when it cannot be used. */
export function compileUserRegex(pattern: string, flags = ''): UserRegex {
  const result = compile(pattern, flags);
  if (result instanceof UserRegex) return result;
  throw new Error(`${result.field}: ${result.message}`);
}

// A validated config's pattern, kept on the config object: a scoring run reads it for every answer,
// and this lookup costs less than building the cache key.
const byConfig = new WeakMap<object, UserRegex>();

/** compileUserRegex(config.pattern, config.flags), looked up by the config object itself. */
export function configRegex(config: { pattern: string; flags: string }): UserRegex {
  let regex = byConfig.get(config);
  if (!regex) byConfig.set(config, (regex = compileUserRegex(config.pattern, config.flags)));
  return regex;
}

function compile(pattern: string, flags: string): UserRegex | RegexProblem {
  const key = `${flags}/${pattern}`;
  const cached = compiled.get(key);
  if (cached) {
    // Least recently used goes first: re-inserting moves the entry to the end.
    compiled.delete(key);
    compiled.set(key, cached);
    return cached;
  }
  const result = compileUncached(pattern, flags);
  compiled.set(key, result);
  if (compiled.size > CACHE_SIZE) compiled.delete(compiled.keys().next().value!);
  return result;
}

function compileUncached(pattern: string, flags: string): UserRegex | RegexProblem {
  if (!REGEX_FLAGS.test(flags)) return { field: 'flags', message: `may only be i, m, s and u, each once (got "${flags}")` };
  if (pattern.length > MAX_PATTERN_CHARS) return { field: 'pattern', message: `is longer than ${MAX_PATTERN_CHARS} characters` };
  try {
    // Parsed (never run) by JavaScript's engine, so the syntax is JavaScript's and its errors are familiar.
    new RegExp(pattern, flags);
  } catch (error) {
    return { field: 'pattern', message: `invalid regular expression: ${(error as Error).message}` };
  }
  let regex: UserRegex;
  try {
    const source = translateToRe2(pattern, { unicode: flags.includes('u'), dotAll: flags.includes('s') });
    regex = new UserRegex(RE2JS.compile(source, (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (flags.includes('m') ? RE2JS.MULTILINE : 0)));
  } catch (error) {
    if (error instanceof UnsupportedPattern) return { field: 'pattern', message: error.message };
    const reason = (error as Error).message.replace(/^error parsing regexp: /, '');
    return { field: 'pattern', message: `the linear-time regex engine cannot run it (${reason})` };
  }
  if (regex.programSize > MAX_REGEX_PROGRAM_SIZE) {
    return {
      field: 'pattern',
      message:
        `is too large for the linear-time regex engine (${regex.programSize} instructions, at most ${MAX_REGEX_PROGRAM_SIZE}); ` +
        'counted repetition such as {1,600} makes one copy per repeat: use * or + where you can',
    };
  }
  return regex;
}
