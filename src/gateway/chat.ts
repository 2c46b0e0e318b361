// POST /v1/chat/completions: forwarded as sent (streamed or not), retried, captured.
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env';
import type { ChatMessage } from '../providers/types';
import { chatStreamPlan, openStream } from '../capture/stream-capture';
import { prepareMessages } from '../inference/service';
import { chatCall } from '../capture/provider-call';
import { choicesSchema, samplingParamFields } from '../schemas/requests';
import { GatewayError, openAIError, streamFailure, upstreamError } from './errors';
import type { GatewayContext } from './gateway-context';
import { callOptions, readBody, studyHeaders } from './request';
import { dataFrame, relayAsSse } from './sse';

const messageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(z.looseObject({})), z.null()]).optional(),
});
// Unknown provider-specific parameters pass through; the common ones are checked as OpenAI checks
// them (null is accepted: some clients send null for "not given").
export const samplingParams = Object.fromEntries(
  Object.entries(samplingParamFields).map(([key, schema]) => [key, schema.nullish()]),
) as { [K in keyof typeof samplingParamFields]: z.ZodOptional<z.ZodNullable<(typeof samplingParamFields)[K]>> };
export const chatBodySchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  stream: z.boolean().nullish(),
  n: choicesSchema.nullish(),
  ...samplingParams,
});

export function chatRoutes(g: GatewayContext) {
  return new Hono<AppEnv>().post('/chat/completions', async (c) => {
    const { model: requested, messages: sent, stream, ...params } = await readBody(c, chatBodySchema);
    const { provider, model } = g.router.resolve(requested);
    const headers = studyHeaders(c);
    // The gateway forwards prompts untouched unless x-study-preprocess asks otherwise.
    const { messages, preprocessing } = headers.preprocess
      ? prepareMessages({ messages: sent as ChatMessage[], preprocess: headers.preprocess })
      : { messages: sent as ChatMessage[], preprocessing: undefined };
    const options = await callOptions(c, g.deps, headers, 'chat.completions', preprocessing ? { preprocessing } : {});

    if (!stream) {
      // `stream: false` is part of what goes upstream, so it is part of what is recorded.
      const sentParams = stream === false ? { ...params, stream: false } : params;
      const { summary, result } = await chatCall(g.ctx, { ...options, provider, model, messages, params: sentParams, dedupScope: headers.dedup ? undefined : null });
      if (!result.ok) throw upstreamError(result.error, summary, g.deps.redact);
      c.header('x-study-call-id', String(summary.id));
      return c.json(g.deps.scrub(result.value.raw));
    }
    if (!provider.stream) throw new GatewayError(400, `Provider ${provider.name} cannot stream`, 'invalid_request_error', 'stream_unsupported', 'stream');
    const opened = await openStream(g.ctx, chatStreamPlan({ ...options, provider, model, messages, params }));
    if (!opened.ok) throw upstreamError(opened.error, opened.summary, g.deps.redact);
    return relayAsSse(c, g.deps, opened, options.controller, {
      event: (chunk) => [dataFrame(chunk)],
      end: () => ['data: [DONE]\n\n'],
      // The SDKs raise an `error` data event as an APIError, so the client learns the stream broke.
      fail: (error, callId, requestId) => [dataFrame(openAIError(streamFailure(error, callId, requestId)))],
    });
  });
}
