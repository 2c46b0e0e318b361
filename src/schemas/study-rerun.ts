// POST /api/v1/studies/:id/rerun: what a re-run may change (targets, samples), bounded as a new study's are.
import { z } from 'zod';
import { paramNameIssues } from './requests';
import { studyFieldsSchema } from './study-requests';

const { targets, samples } = studyFieldsSchema.shape;

export const rerunBodySchema = z
  .object({
    targets: targets.optional().meta({ description: "Other targets to run instead of the study's (the study's sweep, if any, expands them)" }),
    samples: samples.unwrap().optional().meta({ description: "Samples per item × target instead of the study's" }),
  })
  .strict()
  .superRefine((body, ctx) => {
    body.targets?.forEach((target, i) => {
      for (const issue of paramNameIssues(target)) ctx.addIssue({ code: 'custom', path: ['targets', i, ...issue.path], message: issue.message });
    });
  });

export type RerunInput = z.output<typeof rerunBodySchema>;

const headlineAccuracySchema = z
  .strictObject({
    scorer: z.string(),
    version: z.int(),
    items: z.int().meta({ description: 'Items scored' }),
    estimate: z.number().nullable(),
    low: z.number().nullable(),
    high: z.number().nullable(),
    method: z.enum(['clustered-t', 'wilson-items', 'wilson-clusters']).nullable().meta({ description: 'How the interval was computed, as in the report' }),
  })
  .meta({
    description:
      "Accuracy under the study's first scorer (latest version), pooled over the run's targets and computed as the report computes a target's: passing / scored answers, with its 95% interval over items (clustered by item)",
  });

export const studyRunsSchema = z.strictObject({
  id: z.int(),
  series_id: z.int().meta({ description: 'The first run of the study' }),
  runs: z.array(
    z.strictObject({
      id: z.int(),
      status: z.string(),
      created_at: z.string(),
      rerun_of: z.int().nullable(),
      scheduled_for: z.string().nullable().meta({ description: 'The slot a scheduled run fills; null when started otherwise' }),
      total: z.int(),
      done: z.int(),
      failed: z.int(),
      accuracy: headlineAccuracySchema.nullable().meta({ description: 'Null until the run is scored' }),
    }),
  ),
});
