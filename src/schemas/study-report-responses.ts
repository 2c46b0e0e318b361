// What the study routes answer with: a study's report (statistics per target, per pair, per slice and
// a page of items × targets), its scoring runs, and a call's scores with its human label.
import { z } from 'zod';
import { studyProgressSchema, storedTargetSchema } from './study-progress-responses';
import { jsonObject } from '../api/contract';

/** A proportion with its 95% interval; all null when there is nothing to count. */
export const intervalSchema = z
  .strictObject({ estimate: z.number().nullable(), low: z.number().nullable(), high: z.number().nullable() })
  .meta({ id: 'Interval', description: 'A proportion with its 95% interval (Wilson); null without data' });

const humanAgreement = {
  labelled: z.int().meta({ description: 'Samples with a human label' }),
  compared: z.int().meta({ description: 'Labelled samples the scorer also passed or failed' }),
  agree: z.int(),
};

/** The scorer version a report is about (null: no scores, the answers as given). */
export const scorerChoiceSchema = z
  .strictObject({
    name: z.string(),
    version: z.int(),
    kind: z.string(),
    config: jsonObject,
    config_hash: z.string(),
    created_at: z.string(),
    judge_group_id: z.int().nullable(),
  })
  .meta({ id: 'ScorerChoice' });

const scorerVersionsSchema = z.strictObject({
  name: z.string(),
  kind: z.string(),
  latest_version: z.int(),
  versions: z
    .array(
      z.strictObject({
        version: z.int(),
        config: jsonObject,
        config_hash: z.string(),
        created_at: z.string(),
        scoring_run_id: z.int().nullable(),
        judge_group_id: z.int().nullable(),
      }),
    )
    .meta({ description: 'Newest first' }),
});

/** A target of the study with its whole-study statistics. */
const reportTargetSchema = z.strictObject({
  ...storedTargetSchema.shape,
  index: z.int(),
  label: z.string().meta({ description: 'provider/model, and the sweep values of a swept target' }),
  target_index: z.int(),
  tasks: z.int(),
  success: z.int(),
  failed: z.int(),
  pending: z.int(),
  failure_rate: z.number().nullable().meta({ description: 'failed / finished; null before any task finished' }),
  latency_p50_ms: z.number().nullable(),
  latency_p95_ms: z.number().nullable(),
  prompt_tokens: z.int(),
  completion_tokens: z.int(),
  cost_usd: z.number().nullable().meta({ description: 'null when no call could be priced' }),
  priced_calls: z.int(),
  samples: z.int().meta({ description: 'Answered samples' }),
  scored: z.int(),
  passes: z.int(),
  accuracy: intervalSchema.meta({ description: 'passes / scored over samples, with a Wilson 95% interval' }),
  majority: z.strictObject({
    items: z.int().meta({ description: 'Items with a scorable majority-vote answer' }),
    correct: z.int(),
    accuracy: intervalSchema,
  }),
  self_consistency: z.number().nullable().meta({ description: 'Mean share of the modal answer per item' }),
  mean_entropy: z.number().nullable(),
  human: z.strictObject({ ...humanAgreement, agreement: z.number().nullable() }),
});

/** Two targets compared on the items both answered. */
const pairSchema = z.strictObject({
  a: z.int(),
  b: z.int(),
  items: z.int(),
  answer_agreement: z.number().nullable(),
  both_correct: z.int(),
  only_a: z.int(),
  only_b: z.int(),
  neither: z.int(),
  mcnemar_p: z.number().nullable().meta({ description: 'Exact McNemar test on only_a and only_b' }),
  accuracy_difference: z
    .strictObject({ difference: z.number().nullable(), low: z.number().nullable(), high: z.number().nullable(), items: z.int() })
    .meta({ description: 'Mean per-item accuracy a − b, with a paired bootstrap 95% interval' }),
  disagreeing_items: z.array(z.int()).meta({ description: 'Item ids where exactly one majority vote passes (at most 100)' }),
  disagreeing_count: z.int(),
  disagreeing_keys: z.array(z.string()).meta({ description: 'The keys of disagreeing_items' }),
});

const sliceSchema = z.strictObject({
  field: z.string(),
  values: z.array(
    z.strictObject({
      value: z.string().meta({ description: 'The field value as text; "(none)" for null' }),
      items: z.int(),
      targets: z.array(
        z.strictObject({
          target_index: z.int(),
          scored: z.int(),
          passes: z.int(),
          accuracy: intervalSchema,
          self_consistency: z.number().nullable(),
        }),
      ),
    }),
  ),
});

/** One item × target cell: task counts always; the answer statistics once it has answers. */
const reportCellSchema = z.strictObject({
  target_index: z.int(),
  tasks: z.int(),
  success: z.int(),
  failed: z.int(),
  pending: z.int(),
  human: z.strictObject(humanAgreement).nullable(),
  item_id: z.int().optional(),
  n: z.int().optional().meta({ description: 'Answered samples' }),
  scored: z.int().optional(),
  passes: z.int().optional(),
  pass_rate: z.number().nullable().optional(),
  distribution: z
    .array(z.strictObject({ answer: z.string().nullable(), count: z.int(), passes: z.int(), scored: z.int() }))
    .optional()
    .meta({ description: 'The most frequent answers (at most 8); answer null: nothing could be extracted' }),
  other: z.int().optional().meta({ description: 'Samples whose answer is not in distribution' }),
  distinct: z.int().optional(),
  modal: z.strictObject({ answer: z.string().nullable(), count: z.int(), share: z.number() }).nullable().optional(),
  entropy: z.number().nullable().optional(),
  majority_correct: z.boolean().nullable().optional(),
});

const reportItemSchema = z.strictObject({
  item_id: z.int(),
  key: z.string(),
  position: z.int(),
  prompt: z.string().meta({ description: 'The prompt as sent (the last user message of a conversation)' }),
  expected: z.unknown().meta({ description: 'As given: a string, a number, a list of acceptable answers, or null' }),
  fields: jsonObject.nullable().meta({ description: 'The item fields as given (flat values)' }),
  disagree: z.boolean(),
  cells: z.array(reportCellSchema).meta({ description: 'One per target, in target order' }),
});

export const studyReportSchema = z
  .strictObject({
    id: z.int(),
    name: z.string(),
    // A description on the nullable: zod-to-openapi renders a bare $ref (dropping the null) for a nullable schema with an id.
    scorer: scorerChoiceSchema.nullable().meta({ description: 'The scorer version reported on; null without scores (the answers as given)' }),
    scorers: z.array(scorerVersionsSchema),
    targets: z.array(reportTargetSchema),
    pairs: z.array(pairSchema),
    slices: z.array(sliceSchema),
    fields: z.array(z.string()),
    items: z.strictObject({
      total: z.int().meta({ description: 'Items matching the filters' }),
      offset: z.int(),
      limit: z.int(),
      filters: z.strictObject({ disagree: z.boolean(), field: z.string().nullable(), value: z.string().nullable() }),
      rows: z.array(reportItemSchema),
    }),
    computed_ms: z.number(),
    progress: studyProgressSchema,
  })
  .meta({ id: 'StudyReport' });

export const scoringRunSchema = z
  .strictObject({
    id: z.int(),
    batch_id: z.int().meta({ description: 'The study (its first name: also study_id)' }),
    study_id: z.int(),
    status: z.string().meta({ description: 'running, completed, failed (see error), or interrupted (its heartbeat stopped)' }),
    error: z.string().nullable(),
    total: z.int().meta({ description: 'Answers to score × scorers' }),
    done: z.int(),
    unscored: z.int().meta({ description: 'Scores that could not be given (no expected answer, nothing extracted, a judge that failed)' }),
    judge_calls: z.int(),
    percent: z.number(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
    scorers: z.array(
      z.strictObject({ name: z.string(), kind: z.string(), version: z.int(), config_hash: z.string(), judge_group_id: z.int().nullable() }),
    ),
  })
  .meta({ id: 'ScoringRun' });

export const scoreSchema = z
  .strictObject({
    id: z.int(),
    scorer: z.string(),
    kind: z.string(),
    version: z.int(),
    config_hash: z.string().nullable(),
    value: z.number().nullable(),
    label: z.string().nullable(),
    pass: z.boolean().nullable(),
    answer: z.string().nullable().meta({ description: 'The answer as compared, after extraction and normalisation' }),
    detail: jsonObject,
    judge_call_id: z.int().nullable(),
    batch_id: z.int().nullable().meta({ description: 'The study of the scored call, if any (its first name: also study_id)' }),
    study_id: z.int().nullable(),
    created_at: z.string(),
    created_by: z.string().nullable(),
  })
  .meta({ id: 'Score' });

export const callScoresSchema = z
  .strictObject({
    call_id: z.int(),
    human: scoreSchema.nullable().meta({ description: 'The current human label; null when none or cleared' }),
    human_history: z.array(scoreSchema).meta({ description: 'Every human label, newest first' }),
    scores: z.array(scoreSchema).meta({ description: 'The latest score of each scorer version' }),
    disagreements: z.array(z.strictObject({ scorer: z.string(), version: z.int() })).meta({ description: 'Scorer versions whose pass differs from the human label' }),
  })
  .meta({ id: 'CallScores' });
