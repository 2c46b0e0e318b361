// Extraction before comparison: the part of a model's answer that a scorer compares — a regex
// group, the first number, a multiple-choice letter, or a value inside JSON.
import { z } from 'zod';
import { canonicalJson } from '../../capture/request-hash';
import { parseJsonAnswer, parseJsonPath, readJsonPath } from './json-answer';
import { boundRegexInput, compileUserRegex, configRegex, regexProblem, type UserRegex } from '../../patterns/user-regex';

const regexExtractionSchema = z
  .object({
    type: z.literal('regex'),
    pattern: z.string().min(1).max(1_000),
    flags: z.string().default(''),
    /** A group number or name; without it, the first group if the pattern has one, else the whole match. */
    group: z.union([z.int().min(0).max(99), z.string().regex(/^[A-Za-z_$][\w$]*$/, 'must be a group name')]).optional(),
  })
  .strict()
  .superRefine((extraction, ctx) => {
    const problem = regexProblem(extraction.pattern, extraction.flags);
    if (problem) {
      ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
      return;
    }
    const { group } = extraction;
    if (group === undefined) return;
    const regex = compileUserRegex(extraction.pattern, extraction.flags);
    if (typeof group === 'number' ? group > regex.groupCount : !regex.groupNames.includes(group)) {
      ctx.addIssue({ code: 'custom', path: ['group'], message: `the pattern has no group ${group}` });
    }
  });

export const extractionSchema = z.discriminatedUnion('type', [
  regexExtractionSchema,
  z.object({ type: z.literal('first_number') }).strict(),
  z
    .object({
      type: z.literal('choice_letter'),
      /** The option letters in use, e.g. "ABCD"; a letter outside them is never extracted. */
      letters: z.string().regex(/^(?!.*(.).*\1)[A-Z]{2,26}$/, 'must be 2 to 26 distinct capital letters').default('ABCDEFGHIJ'),
    })
    .strict(),
  z
    .object({
      type: z.literal('json_path'),
      path: z.string().superRefine((path, ctx) => {
        try {
          parseJsonPath(path);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }),
    })
    .strict(),
]);

export type Extraction = z.output<typeof extractionSchema>;

export interface ExtractedAnswer {
  /** The extracted text, or null when the answer holds nothing of the kind asked for. */
  value: string | null;
  /** True when a regex saw only the start of the answer (its inputWindow: the first 10,000 characters, fewer for very large patterns). */
  truncated: boolean;
}

export function extractAnswer(text: string, extraction: Extraction): ExtractedAnswer {
  switch (extraction.type) {
    case 'regex':
      return regexGroup(configRegex(extraction), text, extraction.group);
    case 'first_number': {
      const number = firstNumber(text);
      return { value: number === null ? null : String(number), truncated: false };
    }
    case 'choice_letter':
      return { value: extractChoiceLetter(text, extraction.letters), truncated: false };
    case 'json_path':
      return { value: extractJsonPath(text, extraction.path), truncated: false };
  }
}

export function extractRegexGroup(text: string, pattern: string, flags = '', group?: number | string): ExtractedAnswer {
  return regexGroup(compileUserRegex(pattern, flags), text, group);
}

function regexGroup(regex: UserRegex, text: string, group: number | string | undefined): ExtractedAnswer {
  const input = boundRegexInput(text, regex);
  const match = regex.search(input.text, group ?? (regex.groupCount > 0 ? 1 : 0));
  return { value: match?.value ?? null, truncated: input.truncated };
}

// A sign counts only where it cannot be a hyphen inside a word ("GPT-4" is 4, "x = -3" is −3);
// digits glued to letters ("H2O", "v1.2") are not numbers. "1,234.5" is one number; "1,23" is 1.
const NUMBER = /(?<![\p{L}\p{N}_.,])([-+\u2212]?)((?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|\.\d+)(?:[eE]([-+\u2212]?\d+))?/u;

/** The first number written in the text (thousands commas, unicode minus, exponents), or null. */
export function firstNumber(text: string): number | null {
  const match = NUMBER.exec(text);
  if (!match) return null;
  const sign = match[1] === '' || match[1] === '+' ? '' : '-';
  const exponent = match[3] === undefined ? '' : `e${match[3].replace('\u2212', '-')}`;
  const value = Number(`${sign}${match[2]!.replaceAll(',', '')}${exponent}`);
  // -0 prints as "0" anyway; keep it as 0 so it compares equal everywhere.
  return Number.isFinite(value) ? value + 0 : null;
}

/**
 * The chosen option letter, tried in order of how explicit the answer is:
 *   1. \boxed{C}                                        (the last one)
 *   2. "answer is (B)", "Final answer: **C**", "correct option: D"   (the last one)
 *   3. the whole answer is a letter: "B", "(B)", "**B**", "B."
 *   4. the answer starts with one: "B. Paris", "(B) Paris", "**B** Paris"
 *   5. bold "**C**" or parenthesised "(C)" letters, only when they all name the same letter
 * Letters are capitals only ("a" is an article), and "I think", "I'd" are the pronoun.
 */
export function extractChoiceLetter(text: string, letters = 'ABCDEFGHIJ'): string | null {
  if (!/^[A-Z]+$/.test(letters)) throw new RangeError(`letters must be capital letters, got "${letters}"`);
  const letter = `([${letters}])`;
  const end = '(?![\\p{L}\\p{N}])';
  const answerPhrase = `(?:${anyCase('answer')}|${anyCase('correct')}\\s{1,3}(?:${anyCase('option')}|${anyCase('choice')}))`;
  const explicit = [
    new RegExp(`\\\\boxed\\{\\s{0,3}(?:\\\\text(?:bf)?\\{)?\\s{0,3}\\(?${letter}\\)?\\}`, 'gu'),
    new RegExp(
      `${answerPhrase}\\s{0,3}(?:${anyCase('is')}|:|=)?\\s{0,3}:?\\s{0,3}(?:(?:${anyCase('option')}|${anyCase('choice')})\\s{1,3})?` +
        `[([]?\\s{0,2}(?:\\*\\*)?\\s{0,2}[(["'\u201c\u2018]?${letter}[)\\]"'\u201d\u2019]?(?:\\*\\*)?${end}`,
      'gu',
    ),
  ];
  for (const pattern of explicit) {
    const found = [...text.matchAll(pattern)].filter((match) => !isPronoun(text, match)).at(-1);
    if (found) return found[1]!;
  }
  const trimmed = text.trim();
  const whole = new RegExp(`^[([]?(?:\\*\\*)?${letter}(?:\\*\\*)?[)\\]]?\\.?$`, 'u').exec(trimmed);
  if (whole) return whole[1]!;
  const leading = new RegExp(`^[([]?(?:\\*\\*)?${letter}(?:\\*\\*)?(?:[.):\\]]|\\*\\*)(?:\\s|$)`, 'u').exec(trimmed);
  if (leading) return leading[1]!;
  for (const pattern of [
    new RegExp(`\\*\\*\\s{0,2}[([]?${letter}[)\\]]?[.:]?\\s{0,2}\\*\\*`, 'gu'),
    new RegExp(`(?<![\\p{L}\\p{N}])\\(${letter}\\)${end}`, 'gu'),
  ]) {
    const named = new Set([...text.matchAll(pattern)].map((match) => match[1]!));
    if (named.size === 1) return [...named][0]!;
  }
  return null;
}

function anyCase(word: string): string {
  return [...word].map((char) => `[${char.toUpperCase()}${char.toLowerCase()}]`).join('');
}

/** "I think…", "I'd…", "I’m…": the pronoun, not option I. */
function isPronoun(text: string, match: RegExpMatchArray): boolean {
  if (match[1] !== 'I') return false;
  const after = match.index! + match[0].length;
  return /^(?:\s+\p{Ll}|['\u2019]\p{Ll})/u.test(text.slice(after, after + 3));
}

/** The value at the path inside the JSON of the answer, as text: strings as they are, anything else as canonical JSON. */
export function extractJsonPath(text: string, path: string): string | null {
  const parsed = parseJsonAnswer(text);
  if (!parsed.ok) return null;
  const found = readJsonPath(parsed.value, parseJsonPath(path));
  if (!found.found) return null;
  return typeof found.value === 'string' ? found.value : canonicalJson(found.value);
}
