// Regular expressions written by the person running a study, run over answers of any length.
// JavaScript regexes backtrack and cannot be interrupted (nor run in a thread on Workers), so a
// pattern is refused when it repeats a group that itself repeats, and it only ever sees the first
// MAX_REGEX_INPUT_CHARS of an answer. Together these bound the common catastrophic cases —
// (a+)+, (\w+\s?)* — though not every one: overlapping alternatives like (a|a)* still backtrack.

export const MAX_REGEX_INPUT_CHARS = 10_000;
/** i, m, s, u: flags that change what matches. g and y would make the match depend on lastIndex. */
export const REGEX_FLAGS = /^(?!.*(.).*\1)[imsu]*$/;

export interface RegexProblem {
  field: 'pattern' | 'flags';
  message: string;
}

/** Why the pattern (or its flags) cannot be used, or null when it can. */
export function regexProblem(pattern: string, flags = ''): RegexProblem | null {
  if (!REGEX_FLAGS.test(flags)) return { field: 'flags', message: `may only be i, m, s and u, each once (got "${flags}")` };
  try {
    new RegExp(pattern, flags);
  } catch (error) {
    return { field: 'pattern', message: `invalid regular expression: ${(error as Error).message}` };
  }
  const nested = nestedRepetition(pattern);
  if (!nested) return null;
  return { field: 'pattern', message: `${nested} repeats a group that itself repeats, which can take exponential time on a long answer; rewrite it without the nesting` };
}

/** Compiles a pattern that passed regexProblem; throws with its message otherwise. */
export function compileUserRegex(pattern: string, flags = ''): RegExp {
  const problem = regexProblem(pattern, flags);
  if (problem) throw new Error(`${problem.field}: ${problem.message}`);
  return new RegExp(pattern, flags);
}

/** The capture groups a pattern defines: how many, and their names. */
export function captureGroups(regex: RegExp): { count: number; names: string[] } {
  // An empty alternative makes the pattern match "", which reveals its groups without input.
  const probe = new RegExp(`(?:${regex.source})|`, regex.flags).exec('')!;
  return { count: probe.length - 1, names: Object.keys(probe.groups ?? {}) };
}

export function boundRegexInput(text: string): { text: string; truncated: boolean } {
  return text.length > MAX_REGEX_INPUT_CHARS ? { text: text.slice(0, MAX_REGEX_INPUT_CHARS), truncated: true } : { text, truncated: false };
}

/** The first group that repeats while containing a repetition, e.g. "(a+)+", or null. */
function nestedRepetition(pattern: string): string | null {
  const openGroups: Array<{ start: number; repeatsInside: boolean }> = [];
  const markEnclosingGroup = () => {
    const enclosing = openGroups[openGroups.length - 1];
    if (enclosing) enclosing.repeatsInside = true;
  };
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i];
    if (char === '\\') {
      i += 2;
    } else if (char === '[') {
      i = endOfCharacterClass(pattern, i);
    } else if (char === '(') {
      openGroups.push({ start: i, repeatsInside: false });
      i += 1;
    } else if (char === ')') {
      const group = openGroups.pop();
      const quantifier = repetitionLength(pattern, i + 1);
      if (group && quantifier > 0 && group.repeatsInside) return pattern.slice(group.start, i + 1 + quantifier);
      if (group?.repeatsInside || quantifier > 0) markEnclosingGroup();
      i += 1 + quantifier;
    } else {
      const quantifier = repetitionLength(pattern, i);
      if (quantifier > 0) markEnclosingGroup();
      i += Math.max(1, quantifier);
    }
  }
  return null;
}

/** Length of a quantifier that repeats (*, +, {n,}, {n,m} with m > 1) starting at i, else 0. */
function repetitionLength(pattern: string, i: number): number {
  const char = pattern[i];
  if (char === '*' || char === '+') return 1;
  if (char !== '{') return 0;
  const bounds = /^\{(\d+),(\d*)\}/.exec(pattern.slice(i, i + 24));
  if (!bounds || (bounds[2] !== '' && Number(bounds[2]) <= 1)) return 0;
  return bounds[0].length;
}

/** Index just past the "]" closing the class that opens at i ("[]" is empty, "[^]" any char). */
function endOfCharacterClass(pattern: string, i: number): number {
  let j = i + 1;
  if (pattern[j] === '^') j += 1;
  while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
  return j + 1;
}
