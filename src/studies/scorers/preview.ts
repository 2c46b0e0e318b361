// A scorer tried before a study runs it: the config checked exactly as a study's scorers are, then
// run through the real scorer over a few (answer, expected) samples — typed into the Studies form's
// builder, or answers a study already captured. Model scorers are checked but not run: they would call a model.
import { validationError } from '../../http/validation';
import { expectedAnswerSchema, namedScorersSchema, type NamedScorer } from '../../schemas/study-requests';
import { isDeterministicScorer, scoreAnswer, type ScoreResult } from './scorers';

/** Samples one preview scores at most; each answer is read up to MAX_PREVIEW_ANSWER_CHARS. */
export const MAX_PREVIEW_SAMPLES = 100;
export const MAX_PREVIEW_ANSWER_CHARS = 100_000;

export interface PreviewSample {
  answer: string;
  /** An item's expected answer as a study stores it: a string, a number or a list of acceptable ones. */
  expected?: unknown;
}

export type ScorerPreview =
  | { previewed: true; scorer: NamedScorer; results: Array<PreviewSample & { result: ScoreResult }> }
  | { previewed: false; scorer: NamedScorer; reason: string };

/**
 * Checks `scorer` (a scorer as a study takes it, with an optional name) and scores each sample with it.
 * A bad config, answer or expected answer is a 400 naming the field under `field` (`scorer.pattern`,
 * `samples.0.expected`); nothing is called.
 */
export function previewScorer(scorer: unknown, samples: readonly PreviewSample[], field = 'scorer'): ScorerPreview {
  const parsed = namedScorersSchema.safeParse([scorer]);
  if (!parsed.success) {
    throw validationError(parsed.error.issues.map(({ path, message }) => ({ path: [field, ...path.slice(1)], message })), 'json');
  }
  const named = parsed.data[0]!;
  if (samples.length > MAX_PREVIEW_SAMPLES) throw validationError([{ path: ['samples'], message: `at most ${MAX_PREVIEW_SAMPLES} samples` }], 'json');
  samples.forEach((sample, i) => {
    if (sample.answer.length > MAX_PREVIEW_ANSWER_CHARS) {
      throw validationError([{ path: ['samples', i, 'answer'], message: `at most ${MAX_PREVIEW_ANSWER_CHARS.toLocaleString('en-US')} characters` }], 'json');
    }
    if (sample.expected === undefined) return;
    const expected = expectedAnswerSchema.safeParse(sample.expected);
    if (!expected.success) throw validationError([{ path: ['samples', i, 'expected'], message: expected.error.issues[0]!.message }], 'json');
  });
  const { config } = named;
  if (!isDeterministicScorer(config)) {
    return { previewed: false, scorer: named, reason: `${config.type} scorers are not previewed: scoring an answer would call a model (${config.type === 'semantic' ? 'an embedding model' : 'the judge'}). The config is valid.` };
  }
  return { previewed: true, scorer: named, results: samples.map((sample) => ({ ...sample, result: scoreAnswer(config, sample.answer, sample.expected) })) };
}
