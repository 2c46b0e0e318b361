// The two scorers that need a model call — semantic similarity through the embedding service and
// an LLM judge. Only their pure parts live here: config schemas, the judge prompt, and reading a
// score or label out of the judge's answer; the calls themselves belong to the study runner.
import { z } from 'zod';
import { studyTargetSchema } from '../../schemas/requests';
import { parseJsonAnswer } from './json-answer';
import type { ScoreResult } from './score-result';

export const semanticScorerSchema = z
  .object({
    type: z.literal('semantic'),
    provider: z.string().trim().min(1).max(100),
    model: z.string().trim().min(1).max(200),
    /** Cosine similarity between the answer's and an expected answer's embeddings needed to pass. */
    threshold: z.number().min(-1).max(1),
  })
  .strict();

/** How to read the judge's answer: a number on a scale, or one of a set of labels. */
export const judgeVerdictSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('score'),
      min: z.number(),
      max: z.number(),
      /** Scores at or above it pass; without it the score is recorded and pass stays null. */
      pass_threshold: z.number().optional(),
    })
    .strict()
    .superRefine((scale, ctx) => {
      if (scale.min >= scale.max) ctx.addIssue({ code: 'custom', path: ['max'], message: 'must be greater than min' });
      else if (scale.pass_threshold !== undefined && (scale.pass_threshold < scale.min || scale.pass_threshold > scale.max)) {
        ctx.addIssue({ code: 'custom', path: ['pass_threshold'], message: `must be between min and max (${scale.min}–${scale.max})` });
      }
    }),
  z
    .object({
      type: z.literal('label'),
      labels: z.array(z.string().trim().min(1).max(100)).min(2).max(20),
      /** The labels that count as a pass, e.g. ["correct"]. */
      pass_labels: z.array(z.string().trim().min(1).max(100)).min(1),
    })
    .strict()
    .superRefine((verdict, ctx) => {
      const known = verdict.labels.map((label) => label.toLowerCase());
      if (new Set(known).size !== known.length) ctx.addIssue({ code: 'custom', path: ['labels'], message: 'must be distinct (ignoring case)' });
      verdict.pass_labels.forEach((label, i) => {
        if (!known.includes(label.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['pass_labels', i], message: `"${label}" is not one of labels` });
      });
    }),
]);

export type JudgeVerdict = z.output<typeof judgeVerdictSchema>;

const JUDGE_PLACEHOLDER = /\{(question|answer|expected)\}/g;
/** Each placeholder brings in up to a whole prompt or answer: a rubric repeating one thousands of times would multiply it. */
export const MAX_RUBRIC_PLACEHOLDERS = 10;

export const llmJudgeScorerSchema = z
  .object({
    type: z.literal('llm_judge'),
    /** The judging model, given and checked exactly as a study target (no stream, no n: one answer per judge call). */
    target: studyTargetSchema,
    /** The judge's prompt; {question}, {answer} and {expected} are filled in by renderJudgePrompt. */
    rubric: z
      .string()
      .min(1)
      .max(20_000)
      .refine((rubric) => rubric.includes('{answer}'), 'must contain the {answer} placeholder')
      .refine((rubric) => (rubric.match(JUDGE_PLACEHOLDER) ?? []).length <= MAX_RUBRIC_PLACEHOLDERS, `name the placeholders at most ${MAX_RUBRIC_PLACEHOLDERS} times in all`),
    verdict: judgeVerdictSchema,
  })
  .strict();

/**
 * Fills the rubric's placeholders in a single pass, so text inside the answer that looks like a
 * placeholder ("{expected}") is left as written rather than expanded. Several acceptable
 * answers are joined with " | "; none is written "(none)".
 */
export function renderJudgePrompt(rubric: string, fields: { question: string; answer: string; expected: readonly string[] | null }): string {
  const values = { question: fields.question, answer: fields.answer, expected: fields.expected?.length ? fields.expected.join(' | ') : '(none)' };
  return rubric.replace(JUDGE_PLACEHOLDER, (_, name: keyof typeof values) => values[name]);
}

const NUMBER = String.raw`(-?\d+(?:\.\d+)?)`;
const SCORE_PHRASE = new RegExp(String.raw`\b(?:score|rating|grade)\b\s{0,3}(?:is|of|=|:)?\s{0,3}:?\s{0,3}\**\s{0,2}${NUMBER}(?:\s{0,3}(?:/|out of)\s{0,3}${NUMBER})?`, 'gi');
const FRACTION = new RegExp(String.raw`(?<![\d.])${NUMBER}\s{0,3}(?:/|out of)\s{0,3}${NUMBER}`, 'gi');
const LABEL_MARKER = /\b(?:verdict|label|grade|judgement|judgment|classification|assessment)\b\**\s{0,3}[:=]([^\n]*)/gi;

/**
 * Reads the judge's answer. A score is looked for, in order: a JSON object with "score" (or
 * "rating"/"grade"); the last "Score: 7", "Rating: 4/5" or "grade of 8 out of 10"; the last
 * "7/10" whose scale is max; the whole answer being a number. A score off the scale, or "4/5" on
 * a 1–10 scale, is not read. A label is looked for as a JSON "label"/"verdict" value, then after
 * the last "Verdict:"-style marker, then as the last label mentioned anywhere; labels match whole
 * words ignoring case, and the longer wins where two end together ("partially correct" over
 * "correct"). When nothing can be read, value, label and pass are null and detail says why.
 */
export function parseJudgeVerdict(judgeAnswer: string, verdict: JudgeVerdict): ScoreResult {
  return verdict.type === 'score' ? parseScore(judgeAnswer, verdict) : parseLabel(judgeAnswer, verdict);
}

function parseScore(text: string, scale: Extract<JudgeVerdict, { type: 'score' }>): ScoreResult {
  const found = findScore(text, scale.max);
  if (!found) return unread('no score found in the judge answer');
  if ('error' in found) return unread(found.error);
  if (found.score < scale.min || found.score > scale.max) return unread(`score ${found.score} is outside ${scale.min}–${scale.max}`);
  const pass = scale.pass_threshold === undefined ? null : found.score >= scale.pass_threshold;
  return { value: found.score, label: String(found.score), pass, detail: { found_by: found.by } };
}

function findScore(text: string, max: number): { score: number; by: string } | { error: string } | null {
  const json = parseJsonAnswer(text);
  if (json.ok && isObject(json.value)) {
    for (const key of ['score', 'rating', 'grade']) {
      const value = json.value[key];
      const score = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      if (Number.isFinite(score)) return { score, by: 'json' };
    }
  }
  for (const [pattern, by] of [[SCORE_PHRASE, 'phrase'], [FRACTION, 'fraction']] as const) {
    const matches = [...text.matchAll(pattern)].filter((match) => by === 'phrase' || Number(match[2]) === max);
    const last = matches.at(-1);
    if (!last) continue;
    if (last[2] !== undefined && Number(last[2]) !== max) return { error: `the judge scored out of ${last[2]}, not ${max}` };
    return { score: Number(last[1]), by };
  }
  const bare = text.trim();
  return /^-?\d+(?:\.\d+)?$/.test(bare) ? { score: Number(bare), by: 'bare' } : null;
}

function parseLabel(text: string, verdict: Extract<JudgeVerdict, { type: 'label' }>): ScoreResult {
  const found = findLabel(text, verdict.labels);
  if (!found) return unread(`none of the labels (${verdict.labels.join(', ')}) found in the judge answer`);
  const pass = verdict.pass_labels.some((label) => label.toLowerCase() === found.label.toLowerCase());
  return { value: pass ? 1 : 0, label: found.label, pass, detail: { found_by: found.by } };
}

function findLabel(text: string, labels: readonly string[]): { label: string; by: string } | null {
  const json = parseJsonAnswer(text);
  if (json.ok && isObject(json.value)) {
    for (const key of ['label', 'verdict', 'grade']) {
      const value = json.value[key];
      const label = typeof value === 'string' ? labels.find((l) => l.toLowerCase() === value.trim().toLowerCase()) : undefined;
      if (label) return { label, by: 'json' };
    }
  }
  const marked = [...text.matchAll(LABEL_MARKER)].at(-1);
  const afterMarker = marked ? firstMention(marked[1]!, labels) : null;
  if (afterMarker) return { label: afterMarker, by: 'marker' };
  const mentioned = lastMention(text, labels);
  return mentioned ? { label: mentioned, by: 'mention' } : null;
}

interface Mention {
  label: string;
  start: number;
  end: number;
}

function mentions(text: string, labels: readonly string[]): Mention[] {
  return labels.flatMap((label) => {
    const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'giu');
    return [...text.matchAll(pattern)].map((match) => ({ label, start: match.index, end: match.index + match[0].length }));
  });
}

function firstMention(text: string, labels: readonly string[]): string | null {
  const sorted = mentions(text, labels).sort((a, b) => a.start - b.start || b.end - a.end);
  return sorted[0]?.label ?? null;
}

function lastMention(text: string, labels: readonly string[]): string | null {
  const sorted = mentions(text, labels).sort((a, b) => b.end - a.end || a.start - b.start);
  return sorted[0]?.label ?? null;
}

/**
 * The semantic scorer's result once the embedding service has compared the answer with each
 * acceptable answer: the best cosine similarity is the value, and it passes at the threshold.
 */
export function semanticScore(similarities: ReadonlyArray<{ expected: string; similarity: number }>, threshold: number): ScoreResult {
  const usable = similarities.filter(({ similarity }) => Number.isFinite(similarity));
  if (usable.length === 0) return unread('no similarity to an expected answer');
  const best = usable.reduce((top, next) => (next.similarity > top.similarity ? next : top));
  return { value: best.similarity, label: best.expected, pass: best.similarity >= threshold, detail: { threshold } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function unread(error: string): ScoreResult {
  return { value: null, label: null, pass: null, detail: { error } };
}
