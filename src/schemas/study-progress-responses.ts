// What the study routes answer with: a study's progress and its answers per item × target.
import { z } from 'zod';
import { jsonObject } from '../api/contract';
import { studyBudgetSchema, studyDryRunSchema } from './study-budget-responses';

export const storedTargetSchema = z
  .strictObject({
    provider: z.string(),
    model: z.string(),
    params: jsonObject,
    sweep: jsonObject.optional().meta({ description: 'For targets expanded from a sweep: the grid values it runs with (also in params)' }),
    prompt_name: z.string().optional().meta({ description: 'For targets crossed with prompt variants: the name of the variant its prompts go through' }),
  })
  .meta({ id: 'StudyTarget' });

export const studyProgressSchema = z
  .strictObject({
    id: z.int(),
    name: z.string(),
    status: z.string().meta({
      description: 'creating, running, cancelling, cancelled, interrupted (see status_reason), completed, or failed (never fully created)',
    }),
    status_reason: z.string().nullable(),
    total: z.int(),
    done: z.int().meta({ description: 'Tasks with their success row' }),
    failed: z.int(),
    pending: z.int(),
    running: z.int(),
    percent: z.number(),
    rate_per_s: z.number().nullable(),
    eta_s: z.number().nullable(),
    targets: z.array(storedTargetSchema),
    samples: z.int(),
    concurrency: z.int(),
    seed: z.int().nullable().meta({ description: 'The seed of the run order (null: a study made before run orders, run in item order)' }),
    created_at: z.string(),
    updated_at: z.string(),
    cloned_from: z.int().optional().meta({ description: 'The study this one was cloned from (POST /api/v1/studies/:id/clone)' }),
    dry_run: studyDryRunSchema,
    budget: studyBudgetSchema,
    rerun_of: z.int().nullable().meta({ description: 'The run this one repeats (POST /{id}/rerun or its schedule); null for a first run' }),
    series_id: z.int().meta({ description: "The first run of the study: every run of it shares this id (GET /{id}/runs lists them)" }),
    schedule: z
      .strictObject({ every: z.string(), next_run_at: z.string().nullable() })
      .nullable()
      .meta({ description: 'On a scheduled study: how often it runs again and when next' }),
  })
  .meta({ id: 'StudyProgress' });

export const studyResultsSchema = z.strictObject({
  id: z.int(),
  offset: z.int(),
  limit: z.int(),
  results: z.array(
    z.strictObject({
      item_key: z.string(),
      target_index: z.int(),
      target: storedTargetSchema,
      samples: z.int(),
      success: z.int(),
      failed: z.int(),
      pending: z.int(),
      answers: z.array(z.strictObject({ text: z.string(), count: z.int() })).meta({ description: 'Distinct answers, most frequent first' }),
    }),
  ),
});
