// POST /v1/completions: legacy text completions. OpenAI-style servers take them as sent, unless they
// turn out (or are configured) to serve chat only (see served-apis.ts); those and echo get the prompt
// as one user message of a chat completion, and the answer back as text_completion.
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env';
import { chatChunkToCompletionChunk, chatToCompletion, completionsToChat } from './translate/completions';
import type { ChatMessage, ChatStreamChunk } from '../providers/types';
import { chatStreamPlan, openStream } from '../capture/stream-capture';
import { chatCall } from '../capture/provider-call';
import { choicesSchema } from '../schemas/requests';
import { samplingParams } from './chat';
import { GatewayError, openAIError, streamFailure, upstreamError } from './errors';
import type { GatewayContext } from './gateway-context';
import { sendOrTranslate } from './passthrough';
import { callOptions, readBody, studyHeaders } from './request';
import { translationRefused } from './responses';
import { dataFrame, relayAsSse } from './sse';

// The sampling fields completions share with chat are checked as chat checks them (`logprobs` is a
// number here, and read by the translation).
const { temperature, top_p, max_tokens, seed, stop, presence_penalty, frequency_penalty } = samplingParams;
const completionsBodySchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.unknown(),
  stream: z.boolean().nullish(),
  n: choicesSchema.nullish(),
  ...{ temperature, top_p, max_tokens, seed, stop, presence_penalty, frequency_penalty },
});

export function completionsRoutes(g: GatewayContext) {
  return new Hono<AppEnv>().post('/completions', async (c) => {
    const body = await readBody(c, completionsBodySchema);
    const { provider, model } = g.router.resolve(body.model);
    const options = await callOptions(c, g.deps, studyHeaders(c), 'completions');
    const upstreamBody = { ...body, model };
    const fail = (error: Parameters<typeof streamFailure>[0], callId: number, requestId: string) => [dataFrame(openAIError(streamFailure(error, callId, requestId)))];

    const through = await sendOrTranslate(c, g, 'completions', provider, upstreamBody, options, { event: (chunk) => [dataFrame(chunk)], end: () => ['data: [DONE]\n\n'], fail });
    if ('answer' in through) return through.answer;

    let chat: ReturnType<typeof completionsToChat>;
    try {
      chat = completionsToChat(upstreamBody);
    } catch (error) {
      throw translationRefused(error);
    }
    const { model: _model, messages, stream: _stream, ...params } = chat;
    const identity = { id: `cmpl-${crypto.randomUUID().replaceAll('-', '')}`, createdAt: Math.floor(Date.now() / 1000) };
    const metadata = { ...options.metadata, ...through.translated };
    const spec = { ...options, metadata, provider, model, messages: messages as unknown as ChatMessage[], params, modality: 'completion' as const };
    if (!body.stream) {
      const { summary, result } = await chatCall(g.ctx, { ...spec, dedupScope: null });
      if (!result.ok) throw upstreamError(result.error, summary, g.deps.redact);
      c.header('x-study-call-id', String(summary.id));
      return c.json(g.deps.scrub(chatToCompletion(result.value.raw, identity)));
    }
    if (!provider.stream) throw new GatewayError(400, `Provider ${provider.name} cannot stream`, 'invalid_request_error', 'stream_unsupported', 'stream');
    const opened = await openStream(g.ctx, chatStreamPlan(spec));
    if (!opened.ok) throw upstreamError(opened.error, opened.summary, g.deps.redact);
    return relayAsSse(c, g.deps, opened, options.controller, {
      event: (chunk: ChatStreamChunk) => {
        const translated = chatChunkToCompletionChunk(chunk, identity);
        return translated ? [dataFrame(translated)] : [];
      },
      end: () => ['data: [DONE]\n\n'],
      fail,
    });
  });
}
