// Scorers: how one answer is judged against an item's expected answers. Configs are validated
// with zod and identified by configHash; the deterministic scorers run here, the semantic and
// LLM-judge ones are configured here and run by the study runner (see model-scorers.ts).
import { z } from 'zod';
import { invalidInput } from '../../errors';
import { canonicalJson, sha256Hex } from '../../capture/request-hash';
import { extractAnswer, extractionSchema, firstNumber, type Extraction } from './extract';
import { parseJsonAnswer } from './json-answer';
import { llmJudgeScorerSchema, semanticScorerSchema } from './model-scorers';
import type { ScoreResult } from './score-result';

export type { ScoreResult } from './score-result';
import { FULL_NORMALIZATION, normalizationSchema, normalizeAnswer, type Normalization } from './normalize';
import { boundRegexInput, configRegex, regexProblem } from '../../patterns/user-regex';
import { BoundedSchemaValidator, schemaProblem, ValidationBudgetExceeded } from '../../patterns/schema-validator';

const extract = extractionSchema.optional();
const JSON_SCHEMA_DRAFTS = ['4', '7', '2019-09', '2020-12'] as const;
type JsonSchemaDraft = (typeof JSON_SCHEMA_DRAFTS)[number];

export const scorerConfigSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('exact'), extract }).strict(),
  z.object({ type: z.literal('normalized_exact'), extract, normalize: normalizationSchema.default(() => ({ ...FULL_NORMALIZATION })) }).strict(),
  z.object({ type: z.literal('contains'), extract, normalize: normalizationSchema.optional() }).strict(),
  z
    .object({ type: z.literal('regex'), pattern: z.string().min(1).max(1_000), flags: z.string().default(''), extract })
    .strict()
    .superRefine(({ pattern, flags }, ctx) => {
      const problem = regexProblem(pattern, flags);
      if (problem) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
    }),
  z
    .object({
      type: z.literal('numeric'),
      extract,
      /** Passes when |answer − expected| ≤ max(abs_tol, rel_tol · |expected|); both 0 means equal. */
      abs_tol: z.number().min(0).default(0),
      rel_tol: z.number().min(0).max(1).default(0),
    })
    .strict(),
  /** strict: the whole answer must be JSON; otherwise a ```json fence or an embedded {…} counts. */
  z.object({ type: z.literal('valid_json'), strict: z.boolean().default(false) }).strict(),
  z
    .object({
      type: z.literal('json_schema'),
      schema: z.union([z.boolean(), z.record(z.string(), z.unknown())]),
      draft: z.enum(JSON_SCHEMA_DRAFTS).default('2020-12'),
      strict: z.boolean().default(false),
    })
    .strict()
    .superRefine(({ schema, draft }, ctx) => {
      const problem = jsonSchemaProblem(schema, draft);
      if (problem) ctx.addIssue({ code: 'custom', path: ['schema'], message: problem });
    }),
  semanticScorerSchema,
  llmJudgeScorerSchema,
]);

export type ScorerConfig = z.output<typeof scorerConfigSchema>;
export type DeterministicScorerConfig = Exclude<ScorerConfig, { type: 'semantic' | 'llm_judge' }>;

export function isDeterministicScorer(config: ScorerConfig): config is DeterministicScorerConfig {
  return config.type !== 'semantic' && config.type !== 'llm_judge';
}

/** Validates a scorer config; an invalid one throws a 400 naming the field, under `field`. */
export function parseScorerConfig(input: unknown, field = 'scorer'): ScorerConfig {
  const result = scorerConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw invalidInput([field, ...issue.path.map(String)].join('.'), issue.message);
}

/**
 * SHA-256 of the config's canonical JSON once validated, so key order and spelled-out defaults
 * do not change it: two scores with the same hash were computed the same way.
 */
export async function configHash(config: unknown): Promise<string> {
  return sha256Hex(canonicalJson(scorerConfigSchema.parse(config)));
}

/**
 * The acceptable answers of an item: a string, a number, or a list of them (a pass needs any one).
 * Entries of other types are ignored; null when none is left.
 */
export function acceptableAnswers(expected: unknown): string[] | null {
  const entries = Array.isArray(expected) ? expected : [expected];
  const answers = entries.flatMap((entry) =>
    typeof entry === 'string' ? [entry] : typeof entry === 'number' && Number.isFinite(entry) ? [String(entry)] : [],
  );
  return answers.length > 0 ? answers : null;
}

/** Scores one answer; `expected` is the item's expected answer(s), as acceptableAnswers reads them. */
export function scoreAnswer(config: DeterministicScorerConfig, answer: string, expected?: unknown): ScoreResult {
  return scoreAndCompare(config, answer, expected).result;
}

/** A score with the value the scorer compared — what votes and answer distributions count. */
export interface ComparedScore {
  result: ScoreResult;
  /**
   * The answer as compared: the extracted part (exact, regex), normalised as configured
   * (normalized_exact, contains), the number (numeric), the canonical JSON (valid_json,
   * json_schema); null when nothing could be extracted, no number or no JSON was found.
   */
  compared: string | null;
}

/** Scores one answer and says what it compared, extracting (and parsing) the answer once. */
export function scoreAndCompare(config: DeterministicScorerConfig, answer: string, expected?: unknown): ComparedScore {
  switch (config.type) {
    case 'valid_json': {
      const parsed = parseJsonAnswer(answer, { strict: config.strict });
      const result = passFail(parsed.ok, parsed.ok ? 'valid' : 'invalid', parsed.ok ? { source: parsed.source } : { error: parsed.error });
      return { result, compared: parsed.ok ? canonicalJson(parsed.value) : null };
    }
    case 'json_schema':
      return scoreJsonSchema(config.schema, config.draft, config.strict, answer);
  }
  const candidate = compared(answer, config.extract);
  if (config.type === 'regex') return { result: scoreRegex(config, candidate), compared: candidate.text };
  const value = comparedValue(config, candidate.text);
  const acceptable = acceptableAnswers(expected);
  if (!acceptable) return { result: unscorable('no expected answer (a string, a number, or a list of them)'), compared: value };
  if (candidate.text === null) return { result: passFail(false, null, candidate.detail), compared: null };
  switch (config.type) {
    case 'exact': {
      const matched = acceptable.find((option) => option === candidate.text);
      return { result: passFail(matched !== undefined, candidate.text, { ...candidate.detail, matched_expected: matched ?? null }), compared: value };
    }
    case 'normalized_exact': {
      const matched = acceptable.find((option) => normalizeAnswer(option, config.normalize) === value);
      return { result: passFail(matched !== undefined, value, { ...candidate.detail, normalized: value, matched_expected: matched ?? null }), compared: value };
    }
    case 'contains':
      return { result: scoreContains(candidate.text, acceptable, config.normalize, candidate.detail), compared: value };
    case 'numeric':
      return { result: scoreNumeric(candidate.text, acceptable, config.abs_tol, config.rel_tol, candidate.detail), compared: value };
  }
}

/** The value an exact, normalized_exact, contains or numeric scorer compares, from the (extracted) text. */
function comparedValue(config: Extract<DeterministicScorerConfig, { type: 'exact' | 'normalized_exact' | 'contains' | 'numeric' }>, text: string | null): string | null {
  if (text === null) return null;
  switch (config.type) {
    case 'exact':
      return text;
    case 'normalized_exact':
      return normalizeAnswer(text, config.normalize);
    case 'contains':
      return config.normalize ? normalizeAnswer(text, config.normalize) : text;
    case 'numeric': {
      const number = firstNumber(text);
      return number === null ? null : String(number);
    }
  }
}

/** The text a scorer compares: the extracted part when an extraction is configured. */
function compared(answer: string, extraction: Extraction | undefined): { text: string | null; detail: Record<string, unknown> } {
  if (!extraction) return { text: answer, detail: {} };
  const extracted = extractAnswer(answer, extraction);
  return { text: extracted.value, detail: { extracted: extracted.value, ...(extracted.truncated ? { input_truncated: true } : {}) } };
}

function scoreContains(text: string, acceptable: string[], normalization: Normalization | undefined, detail: Record<string, unknown>): ScoreResult {
  const normalize = (value: string) => (normalization ? normalizeAnswer(value, normalization) : value);
  // An empty expected answer is contained in everything; it cannot tell answers apart.
  const options = acceptable.map((option) => ({ option, needle: normalize(option) })).filter(({ needle }) => needle !== '');
  if (options.length === 0) return unscorable('every expected answer is empty');
  const haystack = normalize(text);
  const found = options.find(({ needle }) => haystack.includes(needle));
  return passFail(found !== undefined, found?.needle ?? null, { ...detail, matched_expected: found?.option ?? null });
}

function scoreNumeric(text: string, acceptable: string[], absTol: number, relTol: number, detail: Record<string, unknown>): ScoreResult {
  const targets = acceptable.map(firstNumber).filter((n): n is number => n !== null);
  if (targets.length === 0) return unscorable('no expected answer holds a number');
  const number = firstNumber(text);
  if (number === null) return passFail(false, null, { ...detail, answer_number: null });
  const closest = targets.reduce((best, next) => (Math.abs(next - number) < Math.abs(best - number) ? next : best));
  const within = targets.some((target) => Math.abs(number - target) <= Math.max(absTol, relTol * Math.abs(target)));
  return passFail(within, String(number), { ...detail, answer_number: number, closest_expected: closest, abs_error: Math.abs(number - closest) });
}

function scoreRegex(config: { pattern: string; flags: string }, candidate: { text: string | null; detail: Record<string, unknown> }): ScoreResult {
  if (candidate.text === null) return passFail(false, null, candidate.detail);
  const regex = configRegex(config);
  const input = boundRegexInput(candidate.text, regex);
  const match = regex.search(input.text);
  return passFail(match !== null, match?.value ?? null, { ...candidate.detail, ...(input.truncated ? { input_truncated: true } : {}) });
}

/**
 * Why a JSON Schema cannot be used, or null: too large or expanding too far through its $refs, a
 * pattern the linear-time engine cannot run (see patterns/schema-validator.ts). Validating a few
 * probe values surfaces a top-level unresolvable $ref now; one deeper in the schema is reported
 * when an answer reaches it.
 */
function jsonSchemaProblem(schema: boolean | Record<string, unknown>, draft: JsonSchemaDraft): string | null {
  const problem = schemaProblem(schema);
  if (problem) return problem;
  try {
    const validator = new BoundedSchemaValidator(schema, draft);
    for (const probe of [null, 0, '', [], {}]) validator.validate(probe);
    return null;
  } catch (error) {
    return `is not a usable JSON Schema: ${(error as Error).message}`;
  }
}

// One validator per schema object, its patterns compiled once: a study scores thousands of answers with one config.
const validators = new WeakMap<object, BoundedSchemaValidator>();

function scoreJsonSchema(schema: boolean | Record<string, unknown>, draft: JsonSchemaDraft, strict: boolean, answer: string): ComparedScore {
  const parsed = parseJsonAnswer(answer, { strict });
  if (!parsed.ok) return { result: passFail(false, 'invalid', { error: `not JSON: ${parsed.error}` }), compared: null };
  const compared = canonicalJson(parsed.value);
  try {
    const key = typeof schema === 'object' ? schema : { schema };
    let validator = validators.get(key);
    if (!validator) validators.set(key, (validator = new BoundedSchemaValidator(schema, draft)));
    const result = validator.validate(parsed.value);
    const errors = result.errors.slice(0, 10).map(({ instanceLocation, keywordLocation, error }) => ({ instanceLocation, keywordLocation, error }));
    return { result: passFail(result.valid, result.valid ? 'valid' : 'invalid', { source: parsed.source, ...(result.valid ? {} : { errors }) }), compared };
  } catch (error) {
    if (error instanceof ValidationBudgetExceeded) return { result: unscorable(`the answer could not be checked: ${error.message}`), compared };
    // A schema keyword that only fails on use (a $ref to nothing) or a document nested too deep.
    return { result: unscorable(`the schema could not be applied: ${(error as Error).message}`), compared };
  }
}

function passFail(pass: boolean, label: string | null, detail: Record<string, unknown>): ScoreResult {
  return { value: pass ? 1 : 0, label, pass, detail };
}

function unscorable(error: string): ScoreResult {
  return { value: null, label: null, pass: null, detail: { error } };
}
