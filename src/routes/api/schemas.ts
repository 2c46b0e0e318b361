// Request schemas of the JSON API: used for validation and for the OpenAPI document alike.
import { z } from 'zod';

const NO_NULL_BYTES = 'must not contain null bytes';
export const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\u0000'), NO_NULL_BYTES);
export const name = (max = 200) => text(max).trim().min(1);

export const chatMessageSchema = z
  .object({
    role: z.enum(['system', 'user', 'assistant', 'tool', 'developer']),
    content: z.union([text(1_000_000), z.array(z.record(z.string(), z.unknown())).max(100)]),
    name: name(100).optional(),
  })
  .strict();

/** Sampling parameters: the common ones are typed; other provider-specific ones pass through. */
export const chatParamsSchema = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    max_tokens: z.int().min(1).max(1_000_000).optional(),
    max_completion_tokens: z.int().min(1).max(1_000_000).optional(),
    seed: z.int().optional(),
    stop: z.union([text(200), z.array(text(200)).max(4)]).optional(),
    presence_penalty: z.number().min(-2).max(2).optional(),
    frequency_penalty: z.number().min(-2).max(2).optional(),
    logprobs: z.boolean().optional(),
    top_logprobs: z.int().min(0).max(20).optional(),
    response_format: z.record(z.string(), z.unknown()).optional(),
    reasoning_effort: name(20).optional(),
    stream: z.never({ error: 'streaming is offered by the gateway (/v1/chat/completions), not here' }).optional(),
    n: z.never({ error: 'use samples instead of n' }).optional(),
    model: z.never({ error: 'give model at the top level' }).optional(),
    messages: z.never({ error: 'give messages at the top level' }).optional(),
  })
  .catchall(z.union([z.string().max(10_000), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]));

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
    preprocess: preprocessSchema.optional(),
    samples: z.int().min(1).max(100).optional(),
    group_id: z.int().positive().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.prompt === undefined) === (body.messages === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'give exactly one of prompt or messages' });
    }
    if (body.messages && !body.messages.some((m) => m.role === 'user')) {
      ctx.addIssue({ code: 'custom', path: ['messages'], message: 'must contain at least one user message' });
    }
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
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.coerce.number().int().positive().optional(),
  })
  .strict();

export const idParamSchema = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
