// The real openai SDK accepts what the translations produce: a tiny server answers /v1 over the echo provider through them.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import OpenAI from 'openai';
import { zodFunction, zodResponseFormat, zodResponsesFunction, zodTextFormat } from 'openai/helpers/zod';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chatChunkToCompletionChunk, chatToCompletion, completionsToChat } from '../../src/gateway/translate/completions';
import {
  chatToResponse,
  parseResponsesRequest,
  responsesToChat,
  ResponsesStreamTranslator,
  TranslationError,
  type ChatCompletionLike,
  type ChatRequestBody,
  type ResponsesStreamEvent,
} from '../../src/gateway/translate';
import { EchoProvider } from '../../src/providers/echo';
import type { ChatMessage, ChatStreamChunk } from '../../src/providers/types';

/** Input text that makes the test server fail the stream after its first chunks, as a provider dropping out would. */
const FAIL_MID_STREAM = 'please fail mid-stream';

function translatingApp() {
  const echo = new EchoProvider();
  const app = new Hono();
  let count = 0;
  const identity = (prefix: string) => ({ id: `${prefix}${++count}`, createdAt: Math.floor(Date.now() / 1000) });
  const echoRequest = ({ model, messages, stream: _stream, ...params }: ChatRequestBody) => ({ model, messages: messages as ChatMessage[], params });

  app.onError((err, c) => {
    if (err instanceof TranslationError) {
      return c.json({ error: { message: err.message, type: 'invalid_request_error', param: err.param, code: err.code } }, 400);
    }
    return c.json({ error: { message: String(err), type: 'server_error', param: null, code: null } }, 500);
  });

  app.post('/v1/chat/completions', async (c) => c.json((await echo.complete(echoRequest(await c.req.json()))).raw as object));

  app.post('/v1/responses', async (c) => {
    const request = parseResponsesRequest(await c.req.json());
    const chat = echoRequest(responsesToChat(request));
    const ids = identity('resp_');
    if (!request.stream) return c.json(chatToResponse((await echo.complete(chat)).raw as ChatCompletionLike, request, ids));
    const translator = new ResponsesStreamTranslator(request, ids);
    return streamSSE(c, async (sse) => {
      const send = async (events: ResponsesStreamEvent[]) => {
        for (const event of events) await sse.writeSSE({ event: event.type, data: JSON.stringify(event) });
      };
      let chunks = 0;
      for await (const chunk of echo.stream(chat)) {
        if (request.input === FAIL_MID_STREAM && ++chunks > 3) return send(translator.fail({ message: 'the provider went away' }));
        await send(translator.push(chunk));
      }
      await send(translator.end());
    });
  });

  app.post('/v1/completions', async (c) => {
    const body = await c.req.json();
    const chat = echoRequest(completionsToChat(body));
    const ids = identity('cmpl-');
    if (!body.stream) return c.json(chatToCompletion((await echo.complete(chat)).raw as ChatCompletionLike, ids));
    return streamSSE(c, async (sse) => {
      for await (const chunk of echo.stream(chat)) {
        const translated = chatChunkToCompletionChunk(chunk as ChatStreamChunk, ids);
        if (translated) await sse.writeSSE({ data: JSON.stringify(translated) });
      }
      await sse.writeSSE({ data: '[DONE]' });
    });
  });
  return app;
}

const weather = z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']), days: z.int().min(1).max(7) });
const weatherParameters = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer', minimum: 1, maximum: 7 } },
  required: ['city', 'unit', 'days'],
  additionalProperties: false,
};
const weatherTool = { type: 'function' as const, name: 'get_weather', description: 'Forecast for a city', parameters: weatherParameters, strict: true };

describe('the openai SDK against the translations', () => {
  let server: ServerType;
  let client: OpenAI;

  beforeAll(async () => {
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: translatingApp().fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    client = new OpenAI({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('responses.create: output_text, status and usage of a plain answer', async () => {
    const response = await client.responses.create({ model: 'echo-1', instructions: 'Be brief.', input: 'Hello there' });
    expect(response.output_text).toBe('echo: Hello there');
    expect(response).toMatchObject({ object: 'response', status: 'completed', instructions: 'Be brief.', usage: { input_tokens: 4, output_tokens: 3, total_tokens: 7 } });
  });

  it('responses.create with stream: true: every event in order, numbered, the deltas adding up to the answer', async () => {
    const events: ResponseStreamEvent[] = [];
    for await (const event of await client.responses.create({ model: 'echo-1', input: 'one two three', stream: true })) events.push(event);
    const types = [...new Set(events.map((e) => e.type))];
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []));
    expect(deltas.join('')).toBe('echo: one two three');
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { usage: { output_tokens: 4 } } });
  });

  it('responses.stream: the SDK accumulates the events into the same final response', async () => {
    const stream = client.responses.stream({ model: 'echo-1', input: 'stream me' });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('echo: stream me');
    expect(final.status).toBe('completed');
  });

  it('responses.create with a forced function tool: a function_call with valid arguments, then the next turn with its output', async () => {
    const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'Weather in Oslo?' }];
    const response = await client.responses.create({ model: 'echo-1', input, tools: [weatherTool], tool_choice: { type: 'function', name: 'get_weather' } });
    const [call] = response.output;
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
    if (call?.type !== 'function_call') throw new Error('expected a function call');
    expect(weather.parse(JSON.parse(call.arguments))).toEqual({ city: 'example', unit: 'celsius', days: 1 });
    expect(response.output_text).toBe('');

    const next = await client.responses.create({
      model: 'echo-1',
      input: [...input, call, { type: 'function_call_output', call_id: call.call_id, output: '{"forecast":"sunny"}' }],
      tools: [weatherTool],
    });
    expect(next.output_text).toBe('echo: Weather in Oslo?');
  });

  it('responses.stream with a function tool: argument deltas, done, and parsed arguments in the final response', async () => {
    const stream = client.responses.stream({
      model: 'echo-1',
      input: 'Weather in Oslo?',
      tools: [zodResponsesFunction({ name: 'get_weather', parameters: weather })],
      tool_choice: 'required',
    });
    const argumentDeltas: string[] = [];
    stream.on('response.function_call_arguments.delta', (event) => argumentDeltas.push(event.delta));
    const final = await stream.finalResponse();
    const call = final.output[0];
    if (call?.type !== 'function_call') throw new Error('expected a function call');
    expect(argumentDeltas.length).toBeGreaterThan(1);
    expect(argumentDeltas.join('')).toBe(call.arguments);
    expect(call.parsed_arguments).toEqual({ city: 'example', unit: 'celsius', days: 1 });
  });

  it('responses.create and responses.parse with a json_schema text.format: output that parses against the schema', async () => {
    const format = { type: 'json_schema' as const, name: 'weather', schema: weatherParameters, strict: true };
    const created = await client.responses.create({ model: 'echo-1', input: 'Weather?', text: { format } });
    expect(weather.parse(JSON.parse(created.output_text))).toEqual({ city: 'example', unit: 'celsius', days: 1 });
    expect(created.text?.format).toEqual(format);

    const parsed = await client.responses.parse({ model: 'echo-1', input: 'Weather?', text: { format: zodTextFormat(weather, 'weather') } });
    expect(parsed.output_parsed).toEqual({ city: 'example', unit: 'celsius', days: 1 });
  });

  it('a stream that fails midway ends with response.failed carrying the error', async () => {
    const events: ResponseStreamEvent[] = [];
    for await (const event of await client.responses.create({ model: 'echo-1', input: FAIL_MID_STREAM, stream: true })) events.push(event);
    expect(events.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'server_error', message: 'the provider went away' } } });
  });

  it('a field the translation cannot carry is a 400 naming it', async () => {
    const error = await client.responses.create({ model: 'echo-1', input: 'x', previous_response_id: 'resp_0' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'previous_response_id', code: 'unsupported_parameter' });
  });

  it('completions.create, plain and streamed', async () => {
    const completion = await client.completions.create({ model: 'echo-1', prompt: 'Say this is a test', max_tokens: 7 });
    expect(completion).toMatchObject({ object: 'text_completion', choices: [{ text: 'echo: Say this is a test', index: 0, logprobs: null, finish_reason: 'stop' }] });
    let text = '';
    for await (const chunk of await client.completions.create({ model: 'echo-1', prompt: 'stream this', stream: true })) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe('echo: stream this');
  });

  it('chat.completions.parse with a zod response_format and a zod function: parsed content and parsed arguments', async () => {
    const answer = await client.chat.completions.parse({
      model: 'echo-1',
      messages: [{ role: 'user', content: 'Weather?' }],
      response_format: zodResponseFormat(weather, 'weather'),
      n: 2,
    });
    expect(answer.choices.map((c) => c.message.parsed)).toEqual([
      { city: 'example', unit: 'celsius', days: 1 },
      { city: 'example 1', unit: 'fahrenheit', days: 2 },
    ]);

    const called = await client.chat.completions.parse({
      model: 'echo-1',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [zodFunction({ name: 'get_weather', parameters: weather })],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(called.choices[0]!.finish_reason).toBe('tool_calls');
    const call = called.choices[0]!.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.parsed_arguments).toEqual({ city: 'example', unit: 'celsius', days: 1 });
  });
});
