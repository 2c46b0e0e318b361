// The scorer builder of the Studies form: its fields (scorer_*) read into the scorer JSON a study takes,
// and that scorer added to the JSON list of the form's scorers field. The schema that checks the list
// is the API's (namedScorersSchema), so the builder can write nothing the API would refuse.
import { AppError } from '../errors';
import { validationError } from '../http/validation';
import { field, fieldAsTyped, fields, type FormBody } from '../pages/form-input';
import { namedScorersSchema } from '../schemas/study-requests';
import { expectedFromCell } from './items';
import type { PreviewSample } from './scorers/preview';

type Json = Record<string, unknown>;

const EXTRACTING = new Set(['exact', 'normalized_exact', 'contains', 'regex', 'numeric']);
const NORMALIZING = new Set(['normalized_exact', 'contains']);
const NORMALIZATION_STEPS = ['nfkc', 'case_fold', 'strip_punctuation', 'whitespace'] as const;

/** The scorer the builder's fields describe, as a study's `scorers` entry (nothing set that was left blank). */
export function scorerFromBuilder(body: FormBody): Json {
  const type = field(body, 'scorer_type');
  const name = field(body, 'scorer_name');
  const scorer: Json = { ...(name ? { name } : {}), type };
  if (EXTRACTING.has(type)) {
    const extract = extractionFromBuilder(body);
    if (extract) scorer.extract = extract;
  }
  if (NORMALIZING.has(type)) {
    const ticked = new Set(fields(body, 'scorer_normalize'));
    if (ticked.size) scorer.normalize = Object.fromEntries(NORMALIZATION_STEPS.map((step) => [step, ticked.has(step)]));
  }
  switch (type) {
    case 'regex':
      Object.assign(scorer, given({ pattern: field(body, 'scorer_pattern'), flags: field(body, 'scorer_flags') }));
      break;
    case 'numeric':
      Object.assign(scorer, given({ abs_tol: number(field(body, 'scorer_abs_tol')), rel_tol: number(field(body, 'scorer_rel_tol')) }));
      break;
    case 'valid_json':
      if (field(body, 'scorer_strict')) scorer.strict = true;
      break;
    case 'json_schema':
      scorer.schema = jsonField(body, 'scorer_schema', 'schema');
      Object.assign(scorer, given({ draft: field(body, 'scorer_draft') }));
      if (field(body, 'scorer_strict')) scorer.strict = true;
      break;
    case 'semantic':
      Object.assign(scorer, given({ provider: field(body, 'scorer_embed_provider'), model: field(body, 'scorer_embed_model'), threshold: number(field(body, 'scorer_threshold')) }));
      break;
    case 'llm_judge':
      scorer.target = judgeTarget(body);
      scorer.rubric = field(body, 'scorer_rubric');
      scorer.verdict = verdictFromBuilder(body);
      break;
  }
  return scorer;
}

function extractionFromBuilder(body: FormBody): Json | undefined {
  const type = field(body, 'scorer_extract');
  switch (type) {
    case '':
      return undefined;
    case 'regex': {
      const group = field(body, 'scorer_extract_group');
      return { type, ...given({ pattern: field(body, 'scorer_extract_pattern'), flags: field(body, 'scorer_extract_flags') }), ...(group ? { group: /^\d+$/.test(group) ? Number(group) : group } : {}) };
    }
    case 'choice_letter':
      return { type, ...given({ letters: field(body, 'scorer_extract_letters') }) };
    case 'json_path':
      return { type, path: field(body, 'scorer_extract_path') };
    default:
      return { type };
  }
}

function judgeTarget(body: FormBody): Json {
  const [provider = '', ...model] = field(body, 'scorer_judge').split('|');
  const params = field(body, 'scorer_judge_params') ? jsonField(body, 'scorer_judge_params', 'target.params') : undefined;
  return {
    provider,
    ...(model.join('|') ? { model: model.join('|') } : {}),
    ...(params !== undefined ? { params } : {}),
    ...(field(body, 'scorer_judge_allow_unknown') ? { allow_unknown_params: true } : {}),
  };
}

function verdictFromBuilder(body: FormBody): Json {
  if (field(body, 'scorer_verdict') === 'score') {
    return { type: 'score', ...given({ min: number(field(body, 'scorer_min')), max: number(field(body, 'scorer_max')), pass_threshold: number(field(body, 'scorer_pass_threshold')) }) };
  }
  return { type: 'label', labels: list(field(body, 'scorer_labels')), pass_labels: list(field(body, 'scorer_pass_labels')) };
}

/** The entries that were filled in. */
const given = (values: Json): Json => Object.fromEntries(Object.entries(values).filter(([, value]) => value !== '' && value !== undefined));
/** A number when the text is one; otherwise the text itself, so the schema names the field that is not a number. */
const number = (text: string): number | string => (text !== '' && Number.isFinite(Number(text)) ? Number(text) : text);
const list = (text: string) => text.split(',').map((entry) => entry.trim()).filter(Boolean);

function jsonField(body: FormBody, key: string, path: string): unknown {
  const text = field(body, key);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError(400, 'invalid_request', `scorer.${path}: not valid JSON (${text ? (error as Error).message : 'empty'})`, [{ path: `scorer.${path}`, message: 'not valid JSON' }]);
  }
}

/** The scorers field's JSON list (empty when the field is), as written: a 400 naming the field when it is not a list. */
export function scorersFieldList(text: string): unknown[] {
  if (!text.trim()) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AppError(400, 'invalid_request', `scorers: not valid JSON (${(error as Error).message}); fix it or clear the field`);
  }
  if (!Array.isArray(value)) throw new AppError(400, 'invalid_request', 'scorers: write a JSON list of scorers, [{"type": …}, …]');
  return value;
}

/**
 * `scorer` added to the list in the scorers field, checked as POST /api/v1/studies checks a study's
 * scorers (a bad one is a 400 naming its field, `scorers.2.pattern`; two with one name are refused).
 * Answers the field's new text: one scorer a line, as given.
 */
export function addScorerToField(text: string, scorer: Json): string {
  const scorers = [...scorersFieldList(text), scorer];
  const checked = namedScorersSchema.safeParse(scorers);
  if (!checked.success) throw validationError(checked.error.issues.map(({ path, message }) => ({ path: ['scorers', ...path], message })), 'form');
  return scorersFieldText(scorers);
}

export const scorersFieldText = (scorers: readonly unknown[]): string =>
  scorers.length ? `[\n${scorers.map((scorer) => `  ${JSON.stringify(scorer)}`).join(',\n')}\n]` : '';

/** The builder's preview sample: an answer and an expected answer (a JSON list is a list of acceptable ones, as in pasted lines). */
export function previewSampleFromBuilder(body: FormBody): PreviewSample {
  const expected = field(body, 'scorer_sample_expected');
  return { answer: fieldAsTyped(body, 'scorer_sample_answer'), ...(expected ? { expected: expectedFromCell(expected) } : {}) };
}
