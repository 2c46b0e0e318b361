// The scorer builder: a scorer's type and options as form fields (scorer_*), a preview of one answer
// scored by the real scorer, and "Add scorer", which the server turns into the JSON entry the API takes
// and appends to the scorers field. Plain HTML: the buttons post the whole form and the page comes
// back filled in; with htmx only the preview or the scorers field is swapped. Which options show for
// which type is CSS (:has), so every option stays reachable where that is not supported; Enter in a
// builder field previews (public/scorer-builder.js: the page adds SCORER_BUILDER_HEAD).
import type { ScorerConfig } from '../../src/studies/scorers/scorers';
import type { ScorerPreview } from '../../src/studies/scorers/preview';
import type { ProviderOption } from '../components/target-fields';
import { isTicked, formValue, type FormValues } from '../components/form-values';
import { ScorerPreviewResult } from './scorer-preview';

export { ScorerPreviewResult, ScorersField } from './scorer-preview';

type ScorerType = ScorerConfig['type'];

/** The builder's one script, for a page's <head>. */
export const SCORER_BUILDER_HEAD = <script src="/static/scorer-builder.js" defer></script>;

/** Every scorer type (the compiler keeps this in step with the scorer schema), with what passes. */
const SCORER_TYPES: Record<ScorerType, string> = {
  normalized_exact: 'equal to an expected answer after normalisation',
  exact: 'equal to an expected answer, character for character',
  contains: 'an expected answer occurs in it',
  numeric: 'its first number is within a tolerance of the expected one',
  regex: 'a pattern matches it',
  valid_json: 'it is JSON',
  json_schema: 'its JSON validates against a schema',
  semantic: 'its embedding is close to an expected answer’s (calls an embedding model)',
  llm_judge: 'a judge model says so (calls a model)',
};

const EXTRACTIONS = [
  ['', 'the whole answer'],
  ['first_number', 'the first number'],
  ['choice_letter', 'a multiple-choice letter'],
  ['regex', 'a regex group'],
  ['json_path', 'a value inside JSON'],
] as const;

const NORMALIZATION = [
  ['nfkc', 'NFKC (full-width → ASCII)'],
  ['case_fold', 'ignore case'],
  ['strip_punctuation', 'drop punctuation'],
  ['whitespace', 'collapse whitespace'],
] as const;

const DEFAULT_RUBRIC = 'Question: {question}\nExpected answer: {expected}\nAnswer: {answer}\n\nIs the answer correct? End with "Verdict: correct" or "Verdict: incorrect".';

/** `for-<type>` classes: the option shows only while one of those types is chosen (see app.css). */
const forTypes = (...types: ScorerType[]) => `opt ${types.map((type) => `for-${type}`).join(' ')}`;

export interface ScorerBuilderProps {
  /** Judge targets and embedding providers to choose from. */
  providers: ProviderOption[];
  /** The form as submitted, to fill the builder in again. */
  values?: FormValues;
  /** Where Preview and Add post (the whole form; htmx sends it url-encoded, without files). */
  previewUrl?: string;
  addUrl?: string;
  /** The element Add's answer replaces: the scorers field (see ScorersField). */
  addTarget?: string;
  /** A sample answer and expected answer to preview with (off where the preview reads captured answers). */
  withSample?: boolean;
  preview?: ScorerPreview;
  previewError?: string;
  addError?: string;
}

export function ScorerBuilder(props: ScorerBuilderProps) {
  const values = props.values;
  const v = (key: string, fallback = '') => formValue(values, key, fallback);
  const type = v('scorer_type', 'normalized_exact');
  const previewUrl = props.previewUrl ?? '/studies/scorer-preview';
  const addUrl = props.addUrl ?? '/studies/scorers';
  const judge = v('scorer_judge');
  return (
    <fieldset class="scorer-builder">
      <legend>Scorer builder — choose a type and its options, preview it on an answer, add it to the list</legend>
      <div class="row">
        <label>
          Type
          <select name="scorer_type">
            {Object.entries(SCORER_TYPES).map(([name, passes]) => (
              <option value={name} selected={name === type}>
                {name} — {passes}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name (optional; default: the type)
          <input name="scorer_name" placeholder="answer" value={v('scorer_name')} />
        </label>
      </div>
      <fieldset class={forTypes('exact', 'normalized_exact', 'contains', 'regex', 'numeric')}>
        <legend>Compare (exact, normalized_exact, contains, regex, numeric): extract part of the answer first</legend>
        <label>
          Extract
          <select name="scorer_extract">
            {EXTRACTIONS.map(([value, label]) => (
              <option value={value} selected={value === v('scorer_extract')}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <div class="row ex-opt for-extract-regex">
          <label>
            Extraction pattern
            <input name="scorer_extract_pattern" placeholder="answer is (\w+)" spellcheck={false} value={v('scorer_extract_pattern')} />
          </label>
          <label>
            Flags
            <input name="scorer_extract_flags" placeholder="i" size={4} value={v('scorer_extract_flags')} />
          </label>
          <label>
            Group (number or name)
            <input name="scorer_extract_group" placeholder="1" size={6} value={v('scorer_extract_group')} />
          </label>
        </div>
        <div class="row ex-opt for-extract-choice_letter">
          <label>
            Option letters
            <input name="scorer_extract_letters" placeholder="ABCD" value={v('scorer_extract_letters')} />
          </label>
        </div>
        <div class="row ex-opt for-extract-json_path">
          <label>
            JSON path
            <input name="scorer_extract_path" placeholder="$.answer" spellcheck={false} value={v('scorer_extract_path')} />
          </label>
        </div>
      </fieldset>
      <fieldset class={forTypes('normalized_exact', 'contains')}>
        <legend>Normalise (normalized_exact, contains) — none ticked: normalized_exact uses every step, contains none</legend>
        {NORMALIZATION.map(([step, label]) => (
          <label class="check">
            <input type="checkbox" name="scorer_normalize" value={step} checked={isTicked(values, 'scorer_normalize', step)} /> {label}
          </label>
        ))}
      </fieldset>
      <fieldset class={forTypes('regex')}>
        <legend>Pattern (regex): passes when it matches; JavaScript syntax, run in linear time</legend>
        <label class="grow">
          Pattern
          <input name="scorer_pattern" placeholder="\bParis\b" spellcheck={false} value={v('scorer_pattern')} />
        </label>
        <label>
          Flags (i m s u)
          <input name="scorer_flags" placeholder="i" size={4} value={v('scorer_flags')} />
        </label>
      </fieldset>
      <fieldset class={forTypes('numeric')}>
        <legend>Tolerance (numeric): passes when |answer − expected| ≤ max(absolute, relative × |expected|)</legend>
        <label>
          Absolute
          <input name="scorer_abs_tol" type="number" step="any" placeholder="0" value={v('scorer_abs_tol')} />
        </label>
        <label>
          Relative (0–1)
          <input name="scorer_rel_tol" type="number" step="any" placeholder="0" value={v('scorer_rel_tol')} />
        </label>
      </fieldset>
      <fieldset class={forTypes('valid_json', 'json_schema')}>
        <legend>JSON (valid_json, json_schema)</legend>
        <label class="check">
          <input type="checkbox" name="scorer_strict" value="1" checked={isTicked(values, 'scorer_strict', '1')} /> strict: the whole answer must be JSON (otherwise a ```json fence or an embedded {'{…}'} counts)
        </label>
        <label class={`wide ${forTypes('json_schema')}`}>
          Schema (json_schema)
          <textarea name="scorer_schema" rows={3} spellcheck={false} placeholder={'{"type": "object", "required": ["answer"]}'}>{v('scorer_schema')}</textarea>
        </label>
        <label class={forTypes('json_schema')}>
          Draft
          <select name="scorer_draft">
            {['2020-12', '2019-09', '7', '4'].map((draft) => (
              <option value={draft} selected={draft === v('scorer_draft', '2020-12')}>
                {draft}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
      <fieldset class={forTypes('semantic')}>
        <legend>Embedding (semantic): passes when the cosine similarity to an expected answer reaches the threshold</legend>
        <label>
          Provider
          <input name="scorer_embed_provider" placeholder="openai" value={v('scorer_embed_provider')} />
        </label>
        <label>
          Embedding model
          <input name="scorer_embed_model" placeholder="text-embedding-3-small" value={v('scorer_embed_model')} />
        </label>
        <label>
          Threshold (−1 to 1)
          <input name="scorer_threshold" type="number" step="any" placeholder="0.85" value={v('scorer_threshold')} />
        </label>
      </fieldset>
      <fieldset class={forTypes('llm_judge')}>
        <legend>Judge (llm_judge): one captured call per answer</legend>
        <label>
          Judge target
          <select name="scorer_judge">
            {props.providers.flatMap((p) =>
              p.models.map((m) => (
                <option value={`${p.name}|${m}`} selected={`${p.name}|${m}` === judge}>
                  {p.name}/{m}
                </option>
              )),
            )}
          </select>
        </label>
        <label class="grow">
          Judge parameters (JSON, optional)
          <input name="scorer_judge_params" placeholder='{"temperature": 0}' spellcheck={false} value={v('scorer_judge_params')} />
        </label>
        <label class="check">
          <input type="checkbox" name="scorer_judge_allow_unknown" value="1" checked={isTicked(values, 'scorer_judge_allow_unknown', '1')} /> send parameters this app does not know
        </label>
        <label class="wide">
          Rubric ({'{question}'}, {'{expected}'} and {'{answer}'} are filled in; {'{answer}'} is required)
          <textarea name="scorer_rubric" rows={4}>{v('scorer_rubric', DEFAULT_RUBRIC)}</textarea>
        </label>
        <label>
          Verdict
          <select name="scorer_verdict">
            <option value="label" selected={v('scorer_verdict', 'label') === 'label'}>
              a label
            </option>
            <option value="score" selected={v('scorer_verdict') === 'score'}>
              a score
            </option>
          </select>
        </label>
        <div class="row ex-opt for-verdict-label">
          <label>
            Labels (comma separated)
            <input name="scorer_labels" value={v('scorer_labels', 'correct, incorrect')} />
          </label>
          <label>
            Passing labels
            <input name="scorer_pass_labels" value={v('scorer_pass_labels', 'correct')} />
          </label>
        </div>
        <div class="row ex-opt for-verdict-score">
          <label>
            Min
            <input name="scorer_min" type="number" step="any" value={v('scorer_min', '1')} />
          </label>
          <label>
            Max
            <input name="scorer_max" type="number" step="any" value={v('scorer_max', '10')} />
          </label>
          <label>
            Passes at (optional)
            <input name="scorer_pass_threshold" type="number" step="any" value={v('scorer_pass_threshold')} />
          </label>
        </div>
      </fieldset>
      {props.withSample === false ? null : (
        <div class="row">
          <label class="grow">
            Sample answer
            <input name="scorer_sample_answer" placeholder="The capital is Paris." value={formValue(values, 'scorer_sample_answer')} />
          </label>
          <label class="grow">
            Expected answer (a JSON list for several)
            <input name="scorer_sample_expected" placeholder='Paris   or   ["Lima", "Lima, Peru"]' value={v('scorer_sample_expected')} />
          </label>
        </div>
      )}
      <div class="row">
        {/* Inputs, not buttons: the form's `button[type=submit]` is its one "Start study". */}
        <input
          type="submit"
          value="Preview"
          class="button secondary"
          data-scorer-preview
          formaction={previewUrl}
          formnovalidate
          hx-post={previewUrl}
          hx-target="#scorer-preview"
          hx-swap="outerHTML"
          hx-encoding="application/x-www-form-urlencoded"
        />
        <input
          type="submit"
          value="Add scorer"
          class="button"
          formaction={addUrl}
          formnovalidate
          hx-post={addUrl}
          hx-target={props.addTarget ?? '#scorers-field'}
          hx-swap="outerHTML"
          hx-encoding="application/x-www-form-urlencoded"
        />
      </div>
      <ScorerPreviewResult preview={props.preview} error={props.previewError} />
    </fieldset>
  );
}
