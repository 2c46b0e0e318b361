// Request schemas of studies: items with expected answers and fields, targets and sweeps,
// scorers, human labels, and the report's and export's queries. Shared with the OpenAPI document.
import { z } from 'zod';
import { scorerConfigSchema } from '../studies/scorers/scorers';
import { MAX_PROMPT_VARIANTS } from '../studies/variants/prompt-variants';
import { MAX_STUDY_TARGETS, MAX_SWEEP_COMBINATIONS, sweepCombinationCount, sweepNameProblem } from '../studies/sweeps';
import { chatMessageSchema, chatParamsSchema, name, paramNameIssues, studyTargetSchema, text } from './requests';
import { unknownParams } from './chat-param-names';
import { studyScheduleSchema } from './study-schedule';

/** An expected answer: a string, a number, or a list of acceptable ones (any one passes). */
export const expectedAnswerSchema = z.union([
  text(100_000),
  z.number(),
  z.array(z.union([text(10_000), z.number()])).min(1).max(100),
]);

const FIELD_NAME = /^[\w.-]{1,64}$/;
/** Free per-item fields for slicing the statistics: flat values only. */
export const itemFieldsSchema = z
  .record(z.string().regex(FIELD_NAME, 'field names are letters, digits, _ . and -, at most 64'), z.union([text(1_000), z.number(), z.boolean(), z.null()]))
  .refine((fields) => Object.keys(fields).length <= 50, 'at most 50 fields per item');

const sweepValue = z.union([z.number(), z.string().max(200), z.boolean(), z.null()]);

/**
 * A grid of sampling parameters, e.g. {"temperature": [0, 0.7, 1], "top_p": [1, 0.9]}: every target
 * runs once per combination. Each value is checked as that parameter would be in `params`.
 */
export const sweepSchema = z
  // Names are checked below (sweepNameProblem), so a bad one is refused with its own message.
  .record(z.string(), z.array(sweepValue).min(1).max(20))
  .superRefine((sweep, ctx) => {
    const keys = Object.keys(sweep);
    if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'name at least one parameter' });
    if (keys.length > 8) ctx.addIssue({ code: 'custom', message: 'at most 8 parameters' });
    for (const key of keys) {
      const problem = sweepNameProblem(key);
      if (problem) {
        ctx.addIssue({ code: 'custom', path: [key], message: problem });
        continue;
      }
      sweep[key]!.forEach((value, i) => {
        const checked = chatParamsSchema.safeParse({ [key]: value });
        if (!checked.success) ctx.addIssue({ code: 'custom', path: [key, i], message: checked.error.issues[0]!.message });
      });
      if (new Set(sweep[key]!.map((value) => JSON.stringify(value))).size !== sweep[key]!.length) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'values must be distinct' });
      }
    }
    const combinations = sweepCombinationCount(sweep);
    if (combinations > MAX_SWEEP_COMBINATIONS) {
      ctx.addIssue({ code: 'custom', message: `the grid has ${combinations} combinations; at most ${MAX_SWEEP_COMBINATIONS}` });
    }
  });

const VARIANT_NAME = /^[A-Za-z0-9][\w.-]{0,63}$/;

/** Prompt variants: several templates, each crossed with every target (see studies/prompt-variants.ts). */
export const promptVariantsSchema = z
  .array(
    z
      .object({
        name: z.string().regex(VARIANT_NAME, 'letters, digits, _ . and -, at most 64, starting with a letter or digit'),
        template: text(100_000).min(1),
      })
      .strict(),
  )
  .min(1)
  .max(MAX_PROMPT_VARIANTS)
  .superRefine((prompts, ctx) => {
    const seen = new Set<string>();
    prompts.forEach((variant, i) => {
      if (seen.has(variant.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `two prompt variants are called "${variant.name}": give each its own name` });
      seen.add(variant.name);
    });
  })
  .meta({ description: `Prompt variants (at most ${MAX_PROMPT_VARIANTS}), each {name, template}: every target runs once per variant, each pair a column of the study ("model · variant"). Not with \`template\`.` });

export const SCORER_NAME = /^[A-Za-z0-9][\w.-]{0,63}$/;

/**
 * Scorers as given: each a scorer config (see studies/scorers/scorers.ts) with an optional `name`
 * (default: its type). Names are unique within a study; `human` is the reviewers'.
 */
function namedScorerVariants() {
  const configs = z.toJSONSchema(scorerConfigSchema, { io: 'input', unrepresentable: 'any' }) as { oneOf?: Array<Record<string, unknown>>; anyOf?: Array<Record<string, unknown>> };
  return (configs.oneOf ?? configs.anyOf ?? []).map((variant) => ({
    ...variant,
    properties: {
      name: { type: 'string', pattern: SCORER_NAME.source, description: 'Unique in the study; default: the type' },
      ...(variant.properties as Record<string, unknown>),
    },
  }));
}

export const namedScorersSchema = z
  .array(z.object({ name: z.string().optional() }).catchall(z.unknown()))
  .min(1)
  .max(20)
  .transform((list, ctx) => {
    const named: Array<{ name: string; config: z.output<typeof scorerConfigSchema> }> = [];
    list.forEach(({ name: given, ...config }, i) => {
      const parsed = scorerConfigSchema.safeParse(config);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: [i, ...issue.path.map(String)], message: issue.message });
        return;
      }
      const scorerName = given ?? parsed.data.type;
      if (!SCORER_NAME.test(scorerName)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'letters, digits, _ . and -, at most 64, starting with a letter or digit' });
      else if (scorerName === 'human') ctx.addIssue({ code: 'custom', path: [i, 'name'], message: '"human" is the name of reviewers\' labels' });
      else if (named.some((scorer) => scorer.name === scorerName)) {
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `two scorers are called "${scorerName}": give each its own name` });
      }
      if (parsed.data.type === 'llm_judge') {
        for (const issue of paramNameIssues(parsed.data.target, 'on the judge target')) ctx.addIssue({ code: 'custom', path: [i, 'target', ...issue.path], message: issue.message });
      }
      named.push({ name: scorerName, config: parsed.data });
    });
    return named;
  })
  // The check above runs inside a transform, which a JSON schema cannot show: the document shows
  // what it takes instead, one of the scorer configs, each with an optional `name`.
  .meta({ items: { oneOf: namedScorerVariants() } });

export type NamedScorer = z.output<typeof namedScorersSchema>[number];

/** A hard bound on items × targets × samples, far above MAX_BATCH_TASKS' default (which the service checks). */
const STUDY_TASKS_CEILING = 100_000_000;

export const studyItemSchema = z
  .object({
    id: name(200).optional(),
    prompt: text(1_000_000).min(1).optional(),
    messages: z.array(chatMessageSchema).min(1).max(1000).optional(),
    vars: z.record(z.string().regex(/^\w{1,64}$/, 'variable names are letters, digits and _'), text(100_000)).optional(),
    expected: expectedAnswerSchema.optional(),
    fields: itemFieldsSchema.optional(),
  })
  .strict()
  .superRefine((item, ctx) => {
    if (item.messages && (item.prompt !== undefined || item.vars)) {
      ctx.addIssue({ code: 'custom', path: ['messages'], message: 'give messages, or prompt/vars, not both' });
    }
    if (!item.messages && item.prompt === undefined && !item.vars) {
      ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'each item needs a prompt, messages or vars' });
    }
  });

/** Items a study may have (items × targets × samples is bounded again by MAX_BATCH_TASKS). */
export const MAX_STUDY_ITEMS = 100_000;

/** A spending cap in USD: tasks in flight count at their estimate, so the captured cost stays under it. */
export const budgetUsdSchema = z
  .number()
  .gt(0)
  .max(1_000_000)
  .meta({ description: 'Spending cap in USD: the runner starts no task whose estimated cost, with the spend so far and the tasks in flight, would pass it; the study then ends interrupted with reason "budget"' });

export const studyBudgetBodySchema = z.object({ budget_usd: budgetUsdSchema.nullable() }).strict();

/** Everything a study is given besides its items (read apart from them: see studies/study-body.ts). */
export const studyFieldsSchema = z
  .object({
    name: name(200).optional(),
    description: text(10_000).optional(),
    targets: z.array(studyTargetSchema).min(1).max(50),
    samples: z.int().min(1).max(1000).default(1),
    concurrency: z.int().min(1).max(256).default(8),
    template: text(100_000).optional(),
    prompts: promptVariantsSchema.optional(),
    collapse_samples: z.boolean().optional(),
    seed: z
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional()
      .meta({ description: 'Seeds the order the tasks run in (a random order over items and samples; default: a fresh seed). The same seed and matrix give the same order.' }),
    /** Every target runs once per combination of this grid of sampling parameters. */
    sweep: sweepSchema.optional(),
    /** Runs the study again that often (a re-run each time, compared with the run before it). */
    schedule: studyScheduleSchema.optional(),
    /** The study's scorers: POST /api/v1/studies/:id/score runs them (again). */
    scorers: namedScorersSchema.optional(),
    /** Items sharing this field's value (a passage, a template) are one cluster in the report's intervals. */
    cluster_by: z
      .string()
      .regex(FIELD_NAME, 'is not a field name')
      .optional()
      .meta({ description: "An item field (every item must have it): the report's intervals treat items sharing its value as one cluster, not as independent" }),
    /** The one comparison the study is about: reported unadjusted, outside the adjusted family. */
    primary: z
      .tuple([z.int().min(0), z.int().min(0)])
      .optional()
      .meta({ description: 'Target indexes [A, B] (after the sweep and prompt variants) of the primary contrast: reported unadjusted as A − B and left out of the family of adjusted comparisons' }),
    /** A dry run: the study is made of its first N items only (in the order given). */
    dry_run_items: z
      .int()
      .min(1)
      .max(MAX_STUDY_ITEMS)
      .optional()
      .meta({ description: 'A dry run on the first N items (in the order given): only they are stored and run; the study is marked as a dry run' }),
    /** The spending cap: no task starts that could take the captured cost past it. */
    budget_usd: budgetUsdSchema.optional(),
  })
  .strict();

export type StudyItemInput = z.output<typeof studyItemSchema>;
/** A study as checked: its fields and its items (the whole body's schema, studyBodySchema, gives the same). */
type StudyBody = z.output<typeof studyFieldsSchema> & { items: StudyItemInput[] };
type IssueSink = (issue: { path: Array<string | number>; message: string }) => void;

/**
 * What holds between the fields and the items of a study: parameter names the targets may send,
 * targets after the sweep, tasks, distinct ids, a template where items have no prompt.
 */
export function checkStudy(body: StudyBody, addIssue: IssueSink) {
  checkParamNames(body, addIssue);
  if (body.template !== undefined && body.prompts) addIssue({ path: ['prompts'], message: 'give one template, or prompt variants (prompts), not both' });
  const variants = body.prompts?.length ?? 1;
  const targets = body.targets.length * (body.sweep ? sweepCombinationCount(body.sweep) : 1) * variants;
  if (targets > MAX_STUDY_TARGETS) {
    addIssue({ path: [body.prompts ? 'prompts' : 'sweep'], message: `targets × sweep combinations${body.prompts ? ' × prompt variants' : ''} is ${targets}; at most ${MAX_STUDY_TARGETS}` });
  }
  const tasks = body.items.length * targets * body.samples;
  if (tasks > STUDY_TASKS_CEILING) addIssue({ path: ['items'], message: `items × targets × samples is ${tasks}; at most ${STUDY_TASKS_CEILING}` });
  if (body.primary) {
    const [a, b] = body.primary;
    body.primary.forEach((index, i) => {
      if (index >= targets) addIssue({ path: ['primary', i], message: `there is no target ${index}: the study has ${targets} (indexes 0 to ${targets - 1}, after the sweep${body.prompts ? ' and prompt variants' : ''})` });
    });
    if (a === b) addIssue({ path: ['primary'], message: 'name two different targets' });
  }
  if (body.cluster_by !== undefined) {
    const field = body.cluster_by;
    const missing = body.items.findIndex((item) => item.fields?.[field] === undefined || item.fields[field] === null);
    if (missing >= 0) addIssue({ path: ['cluster_by'], message: `item ${missing} has no value for the field "${field}": every item needs one to be clustered by it` });
  }
  const seen = new Set<string>();
  body.items.forEach((item, i) => {
    if (!body.template && !body.prompts && !item.messages && item.prompt === undefined) {
      addIssue({ path: ['items', i, 'prompt'], message: 'an item without a prompt needs the study template for its vars to fill' });
    }
    if (item.id === undefined) return;
    if (seen.has(item.id)) addIssue({ path: ['items', i, 'id'], message: `duplicate item id "${item.id}"` });
    seen.add(item.id);
  });
}

/**
 * Every target's params, and the sweep's, by name: an unknown one is refused unless the target allows
 * unknown parameters. A swept parameter goes to every target, so every target must allow it.
 */
function checkParamNames(body: Pick<StudyBody, 'targets' | 'sweep'>, addIssue: IssueSink) {
  body.targets.forEach((target, i) => {
    for (const issue of paramNameIssues(target)) addIssue({ path: ['targets', i, ...issue.path], message: issue.message });
  });
  if (!body.sweep || body.targets.every((target) => target.allow_unknown_params)) return;
  for (const { name: key, message } of unknownParams(Object.keys(body.sweep), 'on every target')) addIssue({ path: ['sweep', key], message });
}

export const studyBodySchema = studyFieldsSchema
  .extend({ items: z.array(studyItemSchema).min(1).max(MAX_STUDY_ITEMS) })
  .superRefine((body, ctx) => checkStudy(body, (issue) => ctx.addIssue({ code: 'custom', ...issue })));

/** What starting a study takes: the body as its schema leaves it (defaults filled in, scorers named). */
export type StudyInput = z.output<typeof studyBodySchema>;
/** A study item as given, before its schema has checked it (what an upload is read into). */
export type StudyItemGiven = z.input<typeof studyItemSchema>;

/**
 * What POST /api/v1/studies/:id/clone changes of the study it copies (all optional; the items are
 * always the same). Checked again, merged, as a whole new study.
 */
export const cloneChangesSchema = z
  .object({
    name: name(200).optional(),
    targets: z.array(studyTargetSchema).min(1).max(50).optional(),
    template: text(100_000).nullable().optional().meta({ description: "Replaces the study's template or prompt variants; null: none" }),
    prompts: promptVariantsSchema.nullable().optional().meta({ description: "Replaces the study's prompt variants or template; null: none" }),
    samples: z.int().min(1).max(1000).optional(),
    scorers: z
      .array(z.record(z.string(), z.unknown()))
      .min(1)
      .max(20)
      .nullable()
      .optional()
      .meta({ description: "Replaces the scorers (each checked as a study's scorers are); null: none" }),
  })
  .strict();

export type CloneChanges = z.input<typeof cloneChangesSchema>;

export const studiesQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.coerce.number().int().positive().optional(),
  })
  .strict();

export const studyResultsQuerySchema = z
  .object({
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();



export const scoreBodySchema = z
  .object({
    /** Without scorers, the study's own scorers run again (each as a new version). */
    scorers: namedScorersSchema.optional(),
    /** LLM-judge calls at a time. */
    concurrency: z.int().min(1).max(64).default(4),
  })
  .strict();

export const humanLabelBodySchema = z
  .object({
    label: name(100).nullable().optional(),
    value: z.number().nullable().optional(),
    pass: z.boolean().nullable().optional(),
    note: text(2_000).optional(),
  })
  .strict()
  .refine((body) => body.label !== undefined || body.value !== undefined || body.pass !== undefined, {
    message: 'give a label, a value or pass (null in all three clears the label)',
    path: ['pass'],
  });

const scorerQuery = {
  scorer: z.string().regex(SCORER_NAME, 'is not a scorer name').optional(),
  version: z.coerce.number().int().positive().optional(),
};

/** The review queue page: which scorer's verdicts to review, and which answers. */
/** How far into the review queue a page may start: each page reads at most this many labels or tasks. */
export const MAX_REVIEW_OFFSET = 10_000;
/** Answers on one page of the review queue. */
export const REVIEW_PAGE_SIZE = 50;

export const reviewQuerySchema = z.object({
  ...scorerQuery,
  show: z.enum(['all', 'disagree', 'unlabelled']).default('all'),
  offset: z.coerce.number().int().min(0).max(MAX_REVIEW_OFFSET).default(0),
});

export const reportQuerySchema = z
  .object({
    ...scorerQuery,
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    disagree: z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true').optional(),
    field: z.string().regex(FIELD_NAME, 'is not a field name').optional(),
    value: text(1_000).optional(),
    cluster_by: z
      .union([z.literal(''), z.string().regex(FIELD_NAME, 'is not a field name')])
      .optional()
      .meta({ description: "Cluster the intervals by this item field instead of the study's cluster_by; empty: by item" }),
    adjust: z.enum(['holm', 'bh']).default('holm').meta({ description: 'How the pairs\' p-values are adjusted for multiplicity: Holm (family-wise error, the default) or Benjamini–Hochberg (false discovery rate)' }),
    effect: z.coerce
      .number()
      .gt(0)
      .max(1)
      .default(0.05)
      .meta({ description: 'The accuracy difference each pair\'s items_needed is computed for (default 0.05: 5 points)' }),
  })
  .strict();

/** GET /report's formats: the JSON report, or files made from it to send or paste. */
export const REPORT_FORMATS = ['json', 'html', 'md', 'tex'] as const;

export const studyReportQuerySchema = reportQuerySchema.extend({
  format: z
    .enum(REPORT_FORMATS)
    .default('json')
    .meta({
      description:
        'json (default): the report; html: one self-contained file (inline CSS and SVG chart, nothing fetched) with the summary, pairs, warnings and the matrix of at most 500 items and 20,000 cells; md, tex: the summary and pairs as Markdown tables or LaTeX tabulars',
    }),
});

export const studyExportQuerySchema = z.object({ format: z.enum(['csv', 'jsonl']) }).strict();

export const scoringRunParamSchema = z.object({
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  run: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});
