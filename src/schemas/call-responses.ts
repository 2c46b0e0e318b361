// Response shapes more than one route answers with: a captured call, in its three sizes.
import { z } from 'zod';
import { jsonObject } from '../api/contract';

const MODALITY = z.enum(['chat', 'completion', 'embedding']);
const STATUS = z.enum(['success', 'failed']);

export const tokenUsageSchema = z
  .object({
    prompt: z.number().nullable(),
    completion: z.number().nullable(),
    total: z.number().nullable(),
    cached: z.number().optional(),
    reasoning: z.number().optional(),
  })
  .meta({ description: 'Token counts as the provider reported them; null where it did not' });

/** What a request that made a call gets back about it, right away. */
export const capturedCallSchema = z
  .strictObject({
    id: z.int().meta({ description: 'The raw_calls row, kept whatever happened' }),
    status: STATUS,
    text: z.string().nullable(),
    provider: z.string(),
    model: z.string(),
    tokens: tokenUsageSchema.nullable(),
    latency_ms: z.number(),
    error: z
      .strictObject({ class: z.string(), status: z.int().nullable(), message: z.string(), attempts: z.int() })
      .optional()
      .meta({ description: 'On a failed call: what failed, after how many attempts' }),
  })
  .meta({ id: 'CapturedCall' });

const callIdentity = { id: z.int(), provider: z.string(), model: z.string(), modality: MODALITY, status: STATUS };

/** One row of the call list. */
export const callSummarySchema = z
  .strictObject({
    ...callIdentity,
    latency_ms: z.number().nullable(),
    total_tokens: z.int().nullable(),
    cost_usd: z.number().nullable(),
    created_at: z.string(),
    prompt_preview: z.string().nullable(),
    response_preview: z.string().nullable(),
    error_class: z.string().nullable(),
  })
  .meta({ id: 'CallSummary' });

/** A captured call whole: the request as sent, the answer as received, or the error. */
export const callSchema = z
  .strictObject({
    ...callIdentity,
    served_model: z.string().nullable().meta({ description: 'The model the provider says answered (its `model`); `model` is the one asked for' }),
    system_fingerprint: z.string().nullable().meta({ description: "The answer's system_fingerprint, when the provider reports one" }),
    request: jsonObject,
    response: jsonObject.nullable(),
    error: jsonObject.nullable(),
    latency_ms: z.number().nullable(),
    tokens: jsonObject.nullable(),
    cost_usd: z.number().nullable(),
    request_hash: z.string(),
    metadata: jsonObject,
    request_id: z.string().nullable(),
    client_api: z.string().nullable(),
    batch_task_id: z.int().nullable(),
    conversation_id: z.int().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'Call' });

export const nextCursor = z.int().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page' });
