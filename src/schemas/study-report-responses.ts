// What the study routes answer with: a study's report (statistics per target, per pair, per slice and
// a page of items × targets), its scoring runs, and a call's scores with its human label.
import { z } from 'zod';
import { studyProgressSchema, storedTargetSchema } from './study-progress-responses';
import { jsonObject } from '../api/contract';

/** A proportion with its 95% interval; all null when there is nothing to count. */
export const intervalSchema = z
  .strictObject({ estimate: z.number().nullable(), low: z.number().nullable(), high: z.number().nullable() })
  .meta({ id: 'Interval', description: 'A proportion with its 95% interval (Wilson); null without data' });

const nullableNumber = (description: string) => z.number().nullable().meta({ description });

/** Accuracy over items with the item-clustered interval (statistics/accuracy.ts). */
const itemAccuracySchema = z
  .strictObject({
    estimate: nullableNumber('Σ passes / Σ scored samples over the items: the accuracy on the population of items the study samples, each item weighted by its scored samples'),
    low: nullableNumber('95% interval over items: estimate ± t(clusters − 1)·se; the Wilson interval over the clusters when se is 0 (all pass, none do) or there are fewer than 10 clusters'),
    high: nullableNumber('Upper end of the 95% interval over items'),
    se: nullableNumber('Cluster-robust (CR1) standard error over items — or over the clusters of cluster_by — not over samples; null with fewer than two clusters'),
    method: z.enum(['clustered-t', 'wilson-items', 'wilson-clusters']).nullable().meta({ description: 'How the interval was computed; null without scored items' }),
    correction: z.enum(['CR0', 'CR1']).meta({ description: 'Small-sample correction of the clustered standard error' }),
    items: z.int().meta({ description: 'Items with at least one scored sample: the population count behind the interval' }),
    clusters: z.int().meta({ description: 'Independent units: items, or distinct values of cluster_by (an item without a value is its own)' }),
    samples: z.int().meta({ description: 'Scored samples over those items' }),
    passed: z.int().meta({ description: 'Passing samples over those items' }),
    design_effect: nullableNumber('(se / se as if samples were independent)²: how many times the sample-level variance understates the real one'),
    cluster_by: z.string().nullable().meta({ description: 'The item field the interval is clustered by; null: by item' }),
  })
  .meta({ id: 'ItemAccuracy', description: 'Accuracy over items, with an interval that treats the items (not the samples) as the units drawn' });

const sampleWilsonSchema = z
  .strictObject({
    estimate: z.number().nullable(),
    low: z.number().nullable(),
    high: z.number().nullable(),
    method: z.literal('wilson-samples'),
    samples: z.int(),
  })
  .meta({ description: 'passes / scored samples with the Wilson 95% interval as if every sample were an independent trial — too narrow for accuracy over items by about √design_effect; kept for contrast' });

const kappaSchema = z
  .strictObject({
    kappa: nullableNumber("Cohen's κ: (p_o − p_e) / (1 − p_e); null without calls rated by both, or when chance agreement is already 1"),
    p_o: nullableNumber('Observed agreement'),
    p_e: nullableNumber('Agreement expected by chance from each rater\'s pass rate'),
    n: z.int().meta({ description: 'Calls rated pass or fail by both' }),
    se: nullableNumber('Large-sample standard error of κ (Fleiss, Cohen & Everitt 1969)'),
    low: nullableNumber('95% interval of κ, over calls'),
    high: nullableNumber('Upper end of the 95% interval of κ'),
    p_value: nullableNumber('Two-sided p-value of κ = 0'),
    method: z.literal('fleiss-cohen-everitt-1969'),
  })
  .meta({ id: 'CohenKappa', description: "Cohen's κ between two raters of the same calls, pass/fail, with its 95% interval (over calls, not items)" });

const humanAgreementSchema = z.strictObject({
  labelled: z.int().meta({ description: 'Calls with a human pass/fail label (the latest label of each call)' }),
  compared: z.int().meta({ description: 'Labelled calls the scorer also passed or failed' }),
  agree: z.int().meta({ description: 'Of those, calls where the label and the scorer agree' }),
  agreement: nullableNumber('agree / compared: raw agreement, not corrected for chance (see kappa)'),
  kappa: kappaSchema,
});

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
  label: z.string().meta({ description: 'provider/model, the sweep values of a swept target, and the prompt variant of one crossed with variants ("model · variant")' }),
  target_index: z.int(),
  tasks: z.int(),
  success: z.int(),
  failed: z.int(),
  pending: z.int(),
  failure_rate: z.number().nullable().meta({ description: 'failed / finished tasks; null before any task finished' }),
  latency_p50_ms: z.number().nullable().meta({ description: 'Nearest-rank median latency over the answered tasks' }),
  latency_p95_ms: z.number().nullable(),
  prompt_tokens: z.int(),
  completion_tokens: z.int(),
  cost_usd: z.number().nullable().meta({ description: 'Capture-time cost of the answered tasks; null when no call could be priced' }),
  priced_calls: z.int(),
  samples: z.int().meta({ description: 'Answered samples' }),
  scored: z.int().meta({ description: 'Answered samples the scorer passed or failed' }),
  passes: z.int(),
  coverage: z
    .strictObject({
      items: z.int().meta({ description: "The study's items" }),
      answered: z.int().meta({ description: 'Items with at least one answer from this target' }),
      scored: z.int().meta({ description: 'Items with at least one scored answer: the items its accuracy is over' }),
    })
    .meta({ description: 'How many of the study\'s items the figures of this target cover' }),
  accuracy: itemAccuracySchema,
  accuracy_samples_wilson: sampleWilsonSchema,
  majority: z
    .strictObject({
      estimate: nullableNumber('Majority-vote accuracy: the mean over items of the vote\'s credit (1 when the most frequent answer passes, 0 when it fails, the passing share of tied answers on a tie)'),
      low: nullableNumber('Wilson 95% interval over items (one vote per item: the items are the independent units)'),
      high: z.number().nullable(),
      method: z.literal('wilson-items'),
      items: z.int().meta({ description: 'Items with a scored vote' }),
      credit: z.number().meta({ description: 'Σ credit over those items (fractional where ties split it)' }),
      tied_items: z.int().meta({ description: 'Items whose vote split its credit between tied answers' }),
    })
    .meta({ description: 'Majority vote (self-consistency decoding) over the answer the scorer compares, ties split evenly — never broken by sort order' }),
  self_consistency: z.number().nullable().meta({ description: 'Mean over answered items of the share of samples giving the modal answer (as compared by the scorer)' }),
  mean_entropy_bits: z.number().nullable().meta({ description: 'Mean over answered items of the Shannon entropy of the answers, in bits: 0 when all agree, log₂ k for k samples that all differ' }),
  repeats: z
    .array(
      z.strictObject({
        k: z.int(),
        pass_at_k: z.number().meta({ description: 'Chance that at least one of k samples passes (unbiased estimator of Chen et al. 2021), mean over items' }),
        pass_hat_k: z.number().meta({ description: 'Chance that all k samples pass (pass^k), mean over items' }),
        items: z.int().meta({ description: 'Items with at least k scored samples: the items this point averages' }),
      }),
    )
    .meta({ description: 'pass@k and pass^k for k = 1–10, 20, 50, 100, 200, 500, 1000 and the most scored samples of an item' }),
  cost_per_correct: z
    .strictObject({
      estimate: nullableNumber('USD per passing sample: Σ capture-time cost / Σ passes over the scored items (a ratio, not a mean of ratios); null without a pass'),
      se: nullableNumber('Delta-method standard error clustered by item (or cluster_by)'),
      low: nullableNumber('95% interval, t over clusters; rough with few passes'),
      high: z.number().nullable(),
      method: z.literal('delta-clustered-t'),
      correction: z.enum(['CR0', 'CR1']),
      items: z.int(),
      clusters: z.int(),
      total_cost: z.number(),
      correct: z.number(),
    })
    .nullable()
    .meta({ description: 'Cost per correct answer over items; null unless every answered call of the target was priced' }),
  human: humanAgreementSchema.meta({ description: "Human labels against this report's scorer, over this target's calls" }),
  accuracy_human_adjusted: itemAccuracySchema
    .extend({
      labels: z.int().meta({ description: 'Answered calls with a human pass/fail label (the latest of each call): counted as the human said' }),
      overruled: z.int().meta({ description: 'Of those, calls the scorer had judged the other way' }),
      added: z.int().meta({ description: 'Of those, answered calls the scorer could not score, now counted' }),
    })
    .nullable()
    .meta({
      description:
        'Accuracy over items as accuracy, where a human label overrules the scorer on the calls it labels (the other calls keep the scorer\'s verdict), with the same item-clustered interval; null without a scorer',
    }),
});

const differenceSchema = z
  .strictObject({
    difference: nullableNumber('Mean over items both scored of accuracy(a) − accuracy(b), per-item accuracy being passes / scored samples'),
    low: nullableNumber('95% interval: difference ± t(items − 1)·se (paired t over items), kept within [−1, 1]'),
    high: z.number().nullable(),
    se: nullableNumber('s_d / √items: the paired standard error over items'),
    sd: nullableNumber('Standard deviation of the per-item differences'),
    df: z.int().nullable(),
    t: z.number().nullable(),
    p_value: nullableNumber('Two-sided p-value of the paired t (the exact sign test when every item differs by the same amount), unadjusted'),
    p_adjusted: nullableNumber('p_value adjusted over the family of pairs (comparisons.adjust); null for the primary contrast, which is reported unadjusted'),
    method: z.enum(['paired-t', 'sign-test']).nullable(),
    items: z.int().meta({ description: 'Items both targets have scored answers for: the pairs compared' }),
    mde: nullableNumber('Minimum detectable difference at 80% power, α = .05, with these items: 2.8016·sd / √items'),
    items_needed: z.int().nullable().meta({ description: 'Items a study needs to detect a true difference of comparisons.effect at 80% power, α = .05, given this pair\'s sd' }),
  })
  .meta({ description: 'The difference in accuracy over items, paired item by item (Miller 2024, §4)' });

/** Two targets compared on the items both answered. */
const pairSchema = z.strictObject({
  a: z.int(),
  b: z.int(),
  primary: z.boolean().meta({ description: 'The study\'s primary contrast (option primary): reported unadjusted, outside the family' }),
  items: z.int().meta({ description: 'Items both targets answered' }),
  answer_agreement: z.number().nullable().meta({ description: 'Share of those items where both give the same most frequent answer(s)' }),
  accuracy_difference: differenceSchema,
  majority_vote_mcnemar: z
    .strictObject({
      items: z.int().meta({ description: 'Items both voted on with decided votes (credit 0 or 1)' }),
      tied_items: z.int().meta({ description: 'Items left out because a tie split a vote' }),
      both_correct: z.int(),
      only_a: z.int(),
      only_b: z.int(),
      neither: z.int(),
      p_value: nullableNumber('Exact two-sided McNemar test on only_a and only_b, unadjusted'),
    })
    .meta({ description: 'Majority-vote correctness compared: a test about votes, not about per-sample accuracy' }),
  disagreeing_items: z.array(z.int()).meta({ description: 'Item ids where exactly one majority vote passes (at most 100; fewer when there are many pairs)' }),
  disagreeing_count: z.int(),
  disagreeing_keys: z.array(z.string()).meta({ description: 'The keys of disagreeing_items' }),
});

const comparisonsSchema = z
  .strictObject({
    adjust: z.enum(['holm', 'bh']).meta({ description: 'How p_adjusted is computed: Holm (family-wise error) or Benjamini–Hochberg (false discovery rate); ?adjust= chooses' }),
    family_size: z.int().meta({ description: 'Pairs adjusted together: every pair with a p-value but the primary one' }),
    primary: z.tuple([z.int(), z.int()]).nullable().meta({ description: 'The study\'s primary contrast [a, b], if it declared one' }),
    effect: z.number().meta({ description: 'The difference items_needed is computed for (?effect=, default 0.05)' }),
    alpha: z.number(),
    power: z.number(),
    note: z.string(),
  })
  .meta({ description: 'How the pairs were compared: every pair of targets, p-values adjusted for multiplicity' });

const warningSchema = z.strictObject({
  code: z.literal('prompt_passes_scorer'),
  scorer: z.string(),
  version: z.int(),
  kind: z.string(),
  items_checked: z.int().meta({ description: 'Items (an even spread of at most 200) whose prompt the scorer could score' }),
  items_passing: z.int().meta({ description: 'Of those, items whose prompt as sent, given back as the answer, passes' }),
  share: z.number(),
  message: z.string(),
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
          accuracy: z
            .strictObject({
              estimate: z.number().nullable(),
              low: z.number().nullable(),
              high: z.number().nullable(),
              method: z.enum(['clustered-t', 'wilson-items', 'wilson-clusters']).nullable(),
              items: z.int(),
              clusters: z.int(),
            })
            .meta({ description: "Accuracy over this value's scored items, with its 95% interval over items (clustered as the report's cluster_by): as targets[].accuracy, fewer figures" }),
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
  human: z
    .strictObject({ labelled: z.int(), compared: z.int(), agree: z.int() })
    .nullable()
    .meta({ description: "This cell's human labels: how many, how many the scorer also judged, how many of those agree" }),
  item_id: z.int().optional(),
  n: z.int().optional().meta({ description: 'Answered samples' }),
  scored: z.int().optional(),
  passes: z.int().optional(),
  pass_rate: z.number().nullable().optional(),
  distribution: z
    .array(z.strictObject({ answer: z.string().nullable(), count: z.int(), passes: z.int(), scored: z.int() }))
    .optional()
    .meta({ description: 'The most frequent answers as the scorer compared them (at most 8); answer null: nothing could be extracted' }),
  other: z.int().optional().meta({ description: 'Samples whose answer is not in distribution' }),
  distinct: z.int().optional(),
  modal: z
    .strictObject({ answers: z.array(z.string().nullable()), count: z.int(), share: z.number() })
    .nullable()
    .optional()
    .meta({ description: 'Every answer with the top count (several when tied), and the share of samples giving each: the self-consistency' }),
  entropy_bits: z.number().nullable().optional().meta({ description: 'Shannon entropy of the answers in bits' }),
  majority_credit: z.number().nullable().optional().meta({ description: 'The majority vote\'s credit over scored samples: 1 passes, 0 fails, between when tied answers split it' }),
  majority_correct: z.boolean().nullable().optional().meta({ description: 'true at credit 1, false at 0, null when split or unscored' }),
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
    cluster_by: z.string().nullable().meta({ description: 'The item field intervals are clustered by (the study\'s cluster_by, or ?cluster_by=); null: by item' }),
    warnings: z.array(warningSchema).meta({ description: 'Pitfalls of the study\'s scorers, e.g. one that passes the question itself' }),
    targets: z.array(reportTargetSchema),
    comparisons: comparisonsSchema,
    pairs: z.array(pairSchema).meta({ description: 'Every pair of targets (a < b; the primary contrast first, in its own order)' }),
    agreement: z.strictObject({
      human_vs_scorer: humanAgreementSchema.meta({ description: "Human labels against this report's scorer, over all the study's calls" }),
      reviewers: z
        .array(
          kappaSchema.extend({
            first: z.string().meta({ description: 'A reviewer (created_by of their labels)' }),
            second: z.string(),
            agree: z.int(),
          }),
        )
        .meta({ description: 'Each two reviewers who labelled the same calls: their latest labels compared (labels without a reviewer are left out)' }),
    }),
    slices: z.array(sliceSchema).meta({ description: 'Per value of each item field: each target\'s accuracy over those items' }),
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
