// POST /v1/responses: the Responses API. OpenAI's own API gets the body as sent — unless
// OPENAI_BASE_URL points at a server that turns out to serve chat only (see served-apis.ts); every
// other provider (Azure deployments, Hyperbolic, named endpoints, echo — unless configured to serve
// Responses) gets it translated to a chat completion and the answer translated back — streamed or
// not, captured either way.
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env';
import { chatToResponse, parseResponsesRequest, ResponsesStreamTranslator, responsesToChat, TranslationError } from './translate';
import type { ChatMessage } from '../providers/types';
import { chatStreamPlan, openStream } from '../capture/stream-capture';
import { chatCall } from '../capture/provider-call';
import { choicesSchema } from '../schemas/requests';
import { GatewayError, invalidRequest, openAIError, streamFailure, upstreamError } from './errors';
import type { GatewayContext } from './gateway-context';
import { sendOrTranslate } from './passthrough';
import { callOptions, readBody, studyHeaders } from './request';
import { namedFrame, relayAsSse } from './sse';

// Responses has no `n`; one that is sent anyway is bounded like chat's before anything is forwarded.
const responsesBodySchema = z.looseObject({ model: z.string().min(1), stream: z.boolean().nullish(), n: choicesSchema.nullish() });

/** A translation refusal as OpenAI would answer a parameter it does not take. */
export const translationRefused = (error: unknown) => {
  if (error instanceof TranslationError) return invalidRequest(error.param, error.message.replace(/^[\w.[\]]+: /, ''), error.code);
  return error;
};

/**
 * The gateway's own last event of a broken stream, with the chat stream's `error` object beside its
 * Responses fields. OpenAI's SDKs raise a streamed event only when its data holds an `error`, so a
 * bare Responses `error` or `response.failed` event is yielded like any other — and a client that
 * iterates the SDK's stream (LangChain's ChatOpenAI) took the partial answer for a whole one.
 */
const raisedBySdks = <E extends object>(event: E, failure: GatewayError) => ({ ...event, ...openAIError(failure) });

export function responsesRoutes(g: GatewayContext) {
  return new Hono<AppEnv>().post('/responses', async (c) => {
    const body = await readBody(c, responsesBodySchema);
    const { provider, model } = g.router.resolve(body.model);
    const options = await callOptions(c, g.deps, studyHeaders(c), 'responses');
    const upstreamBody = { ...body, model };

    const through = await sendOrTranslate(c, g, 'responses', provider, upstreamBody, options, {
      event: (event) => [namedFrame(String(event.type), event)],
      end: () => [],
      fail: (error, callId, requestId) => {
        const failure = streamFailure(error, callId, requestId);
        return [namedFrame('error', raisedBySdks({ type: 'error', code: error.options.code ?? 'server_error', message: failure.message, param: null }, failure))];
      },
    });
    if ('answer' in through) return through.answer;

    let request: ReturnType<typeof parseResponsesRequest>;
    let chat: ReturnType<typeof responsesToChat>;
    try {
      request = parseResponsesRequest(upstreamBody);
      chat = responsesToChat(upstreamBody);
    } catch (error) {
      throw translationRefused(error);
    }
    const { model: _model, messages, stream: _stream, stream_options: _options, ...params } = chat;
    const identity = { id: `resp_${crypto.randomUUID().replaceAll('-', '')}`, createdAt: Math.floor(Date.now() / 1000) };
    const metadata = { ...options.metadata, ...through.translated };
    const spec = { ...options, metadata, provider, model, messages: messages as unknown as ChatMessage[], params };
    if (!body.stream) {
      const { summary, result } = await chatCall(g.ctx, { ...spec, dedupScope: null });
      if (!result.ok) throw upstreamError(result.error, summary, g.deps.redact);
      c.header('x-study-call-id', String(summary.id));
      return c.json(g.deps.scrub(chatToResponse(result.value.raw, request, identity)));
    }
    if (!provider.stream) throw new GatewayError(400, `Provider ${provider.name} cannot stream`, 'invalid_request_error', 'stream_unsupported', 'stream');
    const opened = await openStream(g.ctx, chatStreamPlan({ ...spec, params: { ...params, stream_options: { include_usage: true } } }));
    if (!opened.ok) throw upstreamError(opened.error, opened.summary, g.deps.redact);
    const translator = new ResponsesStreamTranslator(request, identity);
    const frames = (events: Array<{ type: string }>) => events.map((event) => namedFrame(event.type, event));
    return relayAsSse(c, g.deps, opened, options.controller, {
      event: (chunk) => frames(translator.push(chunk)),
      end: () => frames(translator.end()),
      fail: (error, callId, requestId) => {
        const failure = streamFailure(error, callId, requestId);
        const events = translator.fail({ message: failure.message, code: error.status === 429 ? 'rate_limit_exceeded' : undefined });
        return frames(events.map((event) => (event.type === 'response.failed' ? raisedBySdks(event, failure) : event)));
      },
    });
  });
}
