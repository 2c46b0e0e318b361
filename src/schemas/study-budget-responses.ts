// What the estimate and the spending cap answer with, and the dry run and budget a study's progress carries.
import { z } from 'zod';
import { jsonObject } from '../api/contract';

export const studyDryRunSchema = z
  .strictObject({ items: z.int().meta({ description: 'Items stored and run' }), of_items: z.int().meta({ description: 'Items the study was given' }) })
  .nullable()
  .meta({ description: 'A dry run: the study holds its first `items` items only (null: not a dry run)' });

export const studyBudgetSchema = z
  .strictObject({
    budget_usd: z.number().nullable().meta({ description: 'The cap (null: none)' }),
    spent_usd: z.number().meta({ description: 'Capture-time cost of the study\'s calls so far' }),
    reserved_usd: z.number().meta({ description: 'Estimated cost of the tasks in flight' }),
    remaining_usd: z.number().nullable().meta({ description: 'Cap − spent − reserved (null without a cap)' }),
  })
  .meta({ id: 'StudyBudget' });

const basis = z.enum(['history', 'max_tokens', 'default']);

export const studyEstimateSchema = z
  .strictObject({
    tasks: z.int(),
    items: z.int().meta({ description: 'Items that would run (the first dry_run_items for a dry run)' }),
    targets: z.int().meta({ description: 'Targets after the sweep and prompt variants' }),
    samples: z.int(),
    dry_run_items: z.int().nullable(),
    input_tokens: z.int(),
    input_tokens_method: z.string(),
    output_tokens: z.int(),
    cost_usd: z.number().nullable().meta({ description: 'At the prices in force now; null when a target\'s model has no price (see cost_reason)' }),
    cost_reason: z.string().nullable(),
    budget_usd: z.number().nullable(),
    concurrency: z.int(),
    duration_s: z.number(),
    duration_basis: z.string(),
    by_target: z.array(
      z.strictObject({
        index: z.int(),
        provider: z.string(),
        model: z.string(),
        sweep: jsonObject.optional(),
        prompt_name: z.string().optional().meta({ description: 'The prompt variant this target runs through' }),
        tasks: z.int(),
        input_tokens: z.int(),
        output_tokens_per_task: z.number(),
        output_tokens: z.int(),
        basis: basis.meta({ description: 'Output tokens from the mean of the model\'s captured successful calls (history), else its max_tokens, else a default' }),
        history_calls: z.int().meta({ description: 'Successful calls among the model\'s latest captured calls looked at (1,000)' }),
        cost_usd: z.number().nullable(),
        cost_reason: z.string().nullable(),
        latency_ms: z.number(),
        latency_basis: z.enum(['history', 'default']),
      }),
    ),
  })
  .meta({ id: 'StudyEstimate' });
