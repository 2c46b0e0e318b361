// The drift report between two runs of a study: its query (GET /api/v1/studies/:id/drift) and its answer.
import { z } from 'zod';
import { SCORER_NAME } from './study-requests';

export const driftQuerySchema = z
  .object({
    baseline: z.coerce
      .number()
      .int()
      .positive()
      .max(Number.MAX_SAFE_INTEGER)
      .meta({ description: 'The earlier run (a study id) this study is compared with' }),
    scorer: z
      .string()
      .regex(SCORER_NAME, 'is not a scorer name')
      .optional()
      .meta({ description: "Whose compared answers are counted, each run at its latest version (default: the study's first scorer with scores; without scores, the raw answers)" }),
    drifted: z
      .enum(['0', '1', 'true', 'false'])
      .transform((v) => v === '1' || v === 'true')
      .optional()
      .meta({ description: 'List only the drifted item × target cells' }),
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

const nullableNumber = (description: string) => z.number().nullable().meta({ description });

const runSchema = z.strictObject({ id: z.int(), name: z.string(), status: z.string(), created_at: z.string() });

const sideSchema = z
  .strictObject({
    n: z.int().meta({ description: 'Samples: answers, format failures and errors' }),
    answers: z.array(z.strictObject({ answer: z.string(), count: z.int() })).meta({ description: 'The most frequent answers as compared (at most 8; each cut to 200 characters for display)' }),
    other: z.int().meta({ description: 'Answers not listed' }),
    format_failures: z.int().meta({ description: 'Answers the scorer could extract nothing from: a category of their own, not a wrong answer' }),
    errors: z.int().meta({ description: 'Tasks whose call failed: a category of their own' }),
    accuracy: nullableNumber('passes / scored samples of the cell'),
  })
  .meta({ id: 'DriftSide' });

const servedSchema = z.strictObject({
  served: z.array(z.strictObject({ served_model: z.string().nullable(), system_fingerprint: z.string().nullable(), calls: z.int() })),
  models: z.array(z.string()),
  fingerprints: z.array(z.string()),
});

export const driftReportSchema = z
  .strictObject({
    study: runSchema,
    baseline: runSchema,
    scorer: z
      .strictObject({ name: z.string(), kind: z.string(), version: z.int(), baseline_version: z.int(), config_hash: z.string(), baseline_config_hash: z.string() })
      .nullable()
      .meta({ description: 'The scorer both runs were read with; null: raw answers' }),
    q_threshold: z.number().meta({ description: 'A cell is drifted when its Benjamini–Hochberg q-value is below this (0.05)' }),
    warnings: z.array(z.string()).meta({ description: 'Targets that differ, item sets that differ, a scorer configured differently, a run still running' }),
    shared_items: z.int(),
    only_in_study: z.int(),
    only_in_baseline: z.int(),
    cells_tested: z.int(),
    cells_drifted: z.int(),
    targets: z.array(
      z.strictObject({
        target_index: z.int(),
        label: z.string(),
        baseline_label: z.string().nullable(),
        same_target: z.boolean().meta({ description: 'Provider, model and parameters are the same in both runs' }),
        items: z.int().meta({ description: 'Items both runs scored' }),
        accuracy_difference: z.strictObject({
          items: z.int(),
          baseline: nullableNumber("Mean item accuracy of the baseline over those items"),
          current: nullableNumber('Mean item accuracy of this study over those items'),
          difference: nullableNumber('Mean over items of (this study − baseline) accuracy'),
          low: nullableNumber('95% paired-t interval; when every item changed by the same amount (s_d = 0) that amount itself'),
          high: nullableNumber('Upper end of the interval'),
          se: z.number().nullable(),
          p_value: z.number().nullable(),
          method: z.enum(['paired-t', 'sign-test']).nullable(),
        }),
        p_value: nullableNumber('The paired test of the accuracy change'),
        tested: z.int(),
        drifted: z.int(),
        served: z.strictObject({ baseline: servedSchema, current: servedSchema }),
        served_model_changed: z.boolean().meta({ description: 'The served models or the system fingerprints the provider reported differ between the runs' }),
        served_changes: z.array(z.enum(['model', 'system_fingerprint'])),
      }),
    ),
    items: z.strictObject({
      total: z.int(),
      offset: z.int(),
      limit: z.int(),
      drifted_only: z.boolean(),
      rows: z.array(
        z.strictObject({
          key: z.string(),
          position: z.int(),
          target_index: z.int(),
          method: z.enum(['fisher-exact', 'freeman-halton-exact', 'monte-carlo-exact', 'chi-square']).nullable(),
          p_value: nullableNumber('Did the answer distribution move: exact test for small counts, χ² otherwise; null when a run has no sample'),
          q_value: nullableNumber('Benjamini–Hochberg over every tested cell of the study'),
          tvd: nullableNumber('Total variation distance between the two answer distributions (0 same, 1 disjoint)'),
          drifted: z.boolean(),
          baseline: sideSchema,
          current: sideSchema,
        }),
      ),
    }),
    computed_ms: z.number(),
  })
  .meta({ id: 'DriftReport' });
