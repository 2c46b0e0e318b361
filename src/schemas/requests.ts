// Request schemas of the JSON API: used for validation and for the OpenAPI document alike.
import { z } from 'zod';
import type { CallFilters } from '../calls/repository';
import { reservedKeyMessage, reservedMetadataKey } from '../capture/call-metadata';
import { unknownParams } from './chat-param-names';

const NO_NULL_BYTES = 'must not contain null bytes';
export const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\u0000'), NO_NULL_BYTES);
export const name = (max = 200) => text(max).trim().min(1);

/** Metadata a caller attaches to its calls: any JSON object, minus the keys the app writes itself. */
export const callerMetadataSchema = z.record(z.string(), z.unknown()).superRefine((metadata, ctx) => {
  const reserved = reservedMetadataKey(metadata);
  if (reserved) ctx.addIssue({ code: 'custom', path: [reserved], message: reservedKeyMessage(reserved) });
});

export const chatMessageSchema = z
  .object({
    role: z.enum(['system', 'user', 'assistant', 'tool', 'developer']),
    content: z.union([text(1_000_000), z.array(z.record(z.string(), z.unknown())).max(100)]),
    name: name(100).optional(),
  })
  .strict();

/** The common sampling parameters, typed as the OpenAI API types them (shared with the gateway). */
export const samplingParamFields = {
  temperature: z.number().min(0).max(2),
  top_p: z.number().min(0).max(1),
  max_tokens: z.int().min(1).max(1_000_000),
  max_completion_tokens: z.int().min(1).max(1_000_000),
  seed: z.int(),
  stop: z.union([text(200), z.array(text(200)).max(4)]),
  presence_penalty: z.number().min(-2).max(2),
  frequency_penalty: z.number().min(-2).max(2),
  logprobs: z.boolean(),
  top_logprobs: z.int().min(0).max(20),
  response_format: z.record(z.string(), z.unknown()),
  reasoning_effort: name(20),
};

/**
 * Choices one gateway call may ask for (`n` of chat and legacy completions; Responses has one output).
 * OpenAI's own ceiling, and the one bound on what one request makes a provider generate and the row store.
 * The JSON API takes `samples` instead, each sample its own call.
 */
export const MAX_CHOICES = 128;
export const choicesSchema = z.int().min(1).max(MAX_CHOICES);

const optionalFields = <T extends Record<string, z.ZodType>>(fields: T) =>
  Object.fromEntries(Object.entries(fields).map(([key, schema]) => [key, schema.optional()])) as { [K in keyof T]: z.ZodOptional<T[K]> };

/** Keys the sampling parameters may not carry here, and why. */
const REFUSED_PARAMS: Record<string, string> = {
  stream: 'streaming is offered by the gateway (/v1/chat/completions), not here',
  n: 'use samples instead of n',
  model: 'give model at the top level',
  messages: 'give messages at the top level',
};

/** Sampling parameters: the common ones are typed; other provider-specific ones pass through. */
export const chatParamsSchema = z
  .object(optionalFields(samplingParamFields))
  .catchall(z.union([z.string().max(10_000), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]))
  .superRefine((params, ctx) => {
    for (const [key, message] of Object.entries(REFUSED_PARAMS)) {
      if (key in params) ctx.addIssue({ code: 'custom', path: [key], message });
    }
  })
  .meta({ description: `Sampling parameters passed to the provider as given. Refused here: ${Object.keys(REFUSED_PARAMS).join(', ')}.` });

/** Sends parameters this app does not know by name (see chat-param-names.ts) instead of refusing them. */
const allowUnknownParams = z
  .boolean()
  .optional()
  .meta({ description: 'Send `params` (and sweep parameters) this app does not know by name; without it an unknown name is a 400 suggesting the nearest known one.' });

/**
 * A model to call with its sampling parameters: a study target, and the judge of an LLM-judge scorer.
 * Its params' names are checked where a request is (paramNameIssues), not here: a judge config stored
 * before the check existed must still parse.
 */
export const studyTargetSchema = z
  .object({ provider: name(100), model: name().optional(), params: chatParamsSchema.optional(), allow_unknown_params: allowUnknownParams })
  .strict();

/** Unknown parameter names in `params`, unless the caller allows them: issues under params.<name>. */
export function paramNameIssues(target: { params?: Record<string, unknown>; allow_unknown_params?: boolean }, allowOn?: string): Array<{ path: string[]; message: string }> {
  if (target.allow_unknown_params || !target.params) return [];
  return unknownParams(Object.keys(target.params), allowOn).map(({ name, message }) => ({ path: ['params', name], message }));
}

export const preprocessSchema = z
  .object({
    whitespace: z.boolean().optional(),
    remove_pii: z.boolean().optional(),
    max_chars: z.int().min(1).max(1_000_000).optional(),
  })
  .strict();

export const inferenceBodySchema = z
  .object({
    provider: name(100),
    model: name().optional(),
    prompt: text(1_000_000).min(1).optional(),
    messages: z.array(chatMessageSchema).min(1).max(1000).optional(),
    template: text(100_000)
      .refine((t) => t.includes('{user_input}'), 'must contain the {user_input} placeholder')
      .optional(),
    params: chatParamsSchema.optional(),
    allow_unknown_params: allowUnknownParams,
    preprocess: preprocessSchema.optional(),
    samples: z.int().min(1).max(100).optional(),
    collapse_samples: z.boolean().optional(),
    group_id: z.int().positive().optional(),
    metadata: callerMetadataSchema.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.prompt === undefined) === (body.messages === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'give exactly one of prompt or messages' });
    }
    if (body.messages && !body.messages.some((m) => m.role === 'user')) {
      ctx.addIssue({ code: 'custom', path: ['messages'], message: 'must contain at least one user message' });
    }
    for (const issue of paramNameIssues(body, 'beside params')) ctx.addIssue({ code: 'custom', ...issue });
  });

const isoDateTime = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((v) => new Date(v).toISOString());

export const callsQuerySchema = z
  .object({
    provider: name(100).optional(),
    model: name().optional(),
    status: z.enum(['success', 'failed']).optional(),
    group_id: z.coerce.number().int().positive().optional(),
    q: text(500).trim().min(1).optional(),
    from: isoDateTime.optional(),
    to: isoDateTime.optional(),
    request_id: name(200).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.coerce.number().int().positive().optional(),
  })
  .strict();

/** The call-list filters of a query (the list's, the export's or the page's), as the repository takes them. */
export function callFiltersOf(query: Omit<z.output<typeof callsQuerySchema>, 'limit' | 'cursor'>): CallFilters {
  const { group_id, request_id, provider, model, status, q, from, to } = query;
  return { provider, model, status, q, from, to, groupId: group_id, requestId: request_id };
}

export const idParamSchema = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

export const groupBodySchema = z
  .object({
    group_type: name(50).default('experiment'),
    name: name(200),
    description: text(10_000).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export const groupsQuerySchema = z
  .object({
    type: name(50).optional(),
    q: text(200).trim().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.coerce.number().int().positive().optional(),
  })
  .strict();

export const groupDetailQuerySchema = z
  .object({
    members_limit: z.coerce.number().int().min(1).max(1000).default(100),
    members_after: z.coerce.number().int().min(-1).default(-1),
  })
  .strict();

export const groupMembersBodySchema = z
  .object({
    call_ids: z.array(z.int().positive()).min(1).max(10_000),
    role: name(50).optional(),
  })
  .strict();

export const conversationBodySchema = z
  .object({
    provider: name(100),
    model: name().optional(),
    system_prompt: text(100_000).optional(),
    name: name(200).optional(),
    params: chatParamsSchema.optional(),
  })
  .strict();

export const conversationMessageSchema = z
  .object({
    content: text(1_000_000).min(1),
    params: chatParamsSchema.optional(),
  })
  .strict();

// --- Analytics, search and prices ---------------------------------------------------------------
const utcDay = z.iso.date({ error: 'expected a date YYYY-MM-DD (UTC)' });
const windowDays = z.coerce.number().int().min(1).max(366);

/** Whole UTC days: `days` (today and the days before it), or `from`/`to` (both inclusive). */
export const analyticsQuerySchema = z
  .object({
    days: windowDays.optional(),
    from: utcDay.optional(),
    to: utcDay.optional(),
    provider: name(100).optional(),
    model: name().optional(),
    group_id: z.coerce.number().int().positive().optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.days !== undefined && (q.from || q.to)) ctx.addIssue({ code: 'custom', path: ['days'], message: 'give days, or from/to, not both' });
    if (q.from && q.to && q.from > q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
  });

/** Minute buckets read raw_calls, so their window is kept short. */
export const MAX_MINUTE_SERIES_DAYS = 2;

export const timeseriesQuerySchema = z
  .object({
    bucket: z.enum(['minute', 'hour', 'day']).default('hour'),
    days: windowDays.default(7),
    provider: name(100).optional(),
    model: name().optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.bucket === 'minute' && q.days > MAX_MINUTE_SERIES_DAYS) {
      ctx.addIssue({ code: 'custom', path: ['days'], message: `minute buckets cover at most ${MAX_MINUTE_SERIES_DAYS} days` });
    }
  });

export const recentQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }).strict();

export const searchQuerySchema = z
  .object({
    q: text(500).trim().min(1),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    order: z.enum(['newest', 'relevance']).default('newest'),
  })
  .strict();

const usdPerMillion = z.number().min(0).max(1_000_000);

export const priceBodySchema = z
  .object({
    provider: name(100),
    model: name(),
    input_usd_per_million: usdPerMillion,
    output_usd_per_million: usdPerMillion,
    effective_from: utcDay,
  })
  .strict();

export const pricesQuerySchema = z.object({ provider: name(100).optional(), model: name().optional() }).strict();

// --- Embeddings and export ----------------------------------------------------------------------
/** A hard bound on texts per request; MAX_EMBEDDING_INPUTS (checked by the service) is the one that applies. */
const EMBEDDING_TEXTS_CEILING = 1_000_000;
const embeddingDimensions = z.int().min(1).max(65_536);
const encodingFormat = z.enum(['float', 'base64']);

/** Texts may carry null bytes and surrounding whitespace: both are normalized away before hashing. */
export const embeddingsBodySchema = z
  .object({
    provider: name(100),
    model: name(),
    texts: z.array(z.string().max(1_000_000)).min(1).max(EMBEDDING_TEXTS_CEILING),
    dimensions: embeddingDimensions.optional(),
    encoding_format: encodingFormat.optional(),
    group_id: z.int().positive().optional(),
    metadata: callerMetadataSchema.optional(),
    return_vectors: z.boolean().optional(),
  })
  .strict();

export const similarBodySchema = z
  .object({
    model: name(),
    provider: name(100).optional(),
    text: z.string().max(1_000_000).optional(),
    vector: z.array(z.number().refine(Number.isFinite, 'must be a finite number')).min(1).max(65_536).optional(),
    k: z.int().min(1).max(100).default(10),
    group_id: z.int().positive().optional(),
    dimensions: embeddingDimensions.optional(),
    encoding_format: encodingFormat.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.text === undefined) === (body.vector === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'give exactly one of text or vector' });
    }
    if (body.text !== undefined && body.provider === undefined) {
      ctx.addIssue({ code: 'custom', path: ['provider'], message: 'is required to embed the query text' });
    }
  });

/** The call-list filters (no paging: an export is every matching row) plus the file format. */
export const exportQuerySchema = callsQuerySchema
  .omit({ limit: true, cursor: true })
  .extend({ format: z.enum(['csv', 'jsonl']) })
  .strict();
