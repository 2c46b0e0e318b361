// The echo provider answers structured requests in kind (choices, JSON, forced tool calls), streamed or not, deterministically.
import { Validator, type Schema } from '@cfworker/json-schema';
import { describe, expect, it } from 'vitest';
import { EchoProvider } from '../../src/providers/echo';
import { ProviderError, type ChatMessage, type ChatParams, type ChatStreamChunk } from '../../src/providers/types';

const echo = new EchoProvider();
const messages: ChatMessage[] = [
  { role: 'system', content: 'Be helpful.' },
  { role: 'user', content: 'Plan a trip' },
];
const ask = (params: ChatParams, sent = messages) => echo.complete({ model: 'echo-1', messages: sent, params });
const rawOf = async (params: ChatParams, sent = messages) => (await ask(params, sent)).raw as RawCompletion;

interface RawCompletion {
  object: string;
  choices: Array<{
    index: number;
    message: { role: string; content: string | null; tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }> };
    finish_reason: string;
  }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

const tripSchema = {
  type: 'object',
  properties: {
    city: { type: 'string', enum: ['Paris', 'Rome', 'Oslo'] },
    nights: { type: 'integer', minimum: 1, maximum: 14 },
    stops: { type: 'array', items: { type: 'string' }, minItems: 2 },
  },
  required: ['city', 'nights', 'stops'],
  additionalProperties: false,
};
const valid = (schema: object, value: unknown) => new Validator(schema as Schema, '2020-12', false).validate(value).errors;
const bookTool = { type: 'function', function: { name: 'book', parameters: tripSchema } };
const weatherTool = { type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

/** Puts streamed chunks back together per choice, as a client would. */
async function collect(params: ChatParams) {
  const chunks: ChatStreamChunk[] = [];
  for await (const chunk of echo.stream({ model: 'echo-1', messages, params })) chunks.push(chunk);
  const choices = new Map<number, { content: string | null; tool_calls?: Array<{ id?: string; name: string; arguments: string }>; finish_reason?: string }>();
  for (const { index, delta, finish_reason } of chunks.flatMap((c) => c.choices)) {
    const choice = choices.get(index) ?? { content: null };
    choices.set(index, choice);
    if (typeof delta?.content === 'string') choice.content = (choice.content ?? '') + delta.content;
    for (const call of delta?.tool_calls ?? []) {
      choice.tool_calls ??= [];
      const entry = (choice.tool_calls[call.index] ??= { name: '', arguments: '' });
      if (call.id) entry.id = call.id;
      entry.name += call.function?.name ?? '';
      entry.arguments += call.function?.arguments ?? '';
    }
    if (finish_reason) choice.finish_reason = finish_reason;
  }
  return { chunks, choices: [...choices.values()] };
}

describe('EchoProvider', () => {
  it('echoes the last user message as a chat.completion when nothing structured is asked', async () => {
    const answer = await ask({ temperature: 0 });
    expect(answer.text).toBe('echo: Plan a trip');
    expect(answer.raw).toMatchObject({
      object: 'chat.completion',
      model: 'echo-1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'echo: Plan a trip' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
    });
  });

  it('answers n choices, the same ones every time', async () => {
    const raw = await rawOf({ n: 3 });
    expect(raw.choices.map((c) => [c.index, c.message.content])).toEqual([
      [0, 'echo: Plan a trip'],
      [1, 'echo: Plan a trip'],
      [2, 'echo: Plan a trip'],
    ]);
    expect(raw.usage.completion_tokens).toBe(12);
    expect(await rawOf({ n: 3 })).toEqual(raw);
  });

  it('answers a json_schema response_format with JSON valid against the schema, choice i its own variant', async () => {
    const raw = await rawOf({ n: 2, response_format: { type: 'json_schema', json_schema: { name: 'trip', schema: tripSchema, strict: true } } });
    const values = raw.choices.map((c) => JSON.parse(c.message.content!));
    for (const value of values) expect(valid(tripSchema, value)).toEqual([]);
    expect(values).toEqual([
      { city: 'Paris', nights: 1, stops: ['example', 'example 1'] },
      { city: 'Rome', nights: 2, stops: ['example 1', 'example 2'] },
    ]);
  });

  it('answers json_object with a small JSON object', async () => {
    const raw = await rawOf({ response_format: { type: 'json_object' } });
    expect(JSON.parse(raw.choices[0]!.message.content!)).toEqual({ echo: 'Plan a trip' });
  });

  it('calls the function a tool_choice names, with arguments valid against its parameters', async () => {
    const answer = await ask({ tools: [weatherTool, bookTool], tool_choice: { type: 'function', function: { name: 'book' } } });
    const raw = answer.raw as RawCompletion;
    const [choice] = raw.choices;
    expect(choice).toMatchObject({ finish_reason: 'tool_calls', message: { role: 'assistant', content: null } });
    const [call] = choice!.message.tool_calls!;
    expect(call).toMatchObject({ type: 'function', function: { name: 'book' } });
    expect(call!.id).toMatch(/^call_/);
    expect(valid(tripSchema, JSON.parse(call!.function.arguments))).toEqual([]);
    expect([answer.text, answer.metadata.finish_reason]).toEqual(['', 'tool_calls']);
  });

  it("calls the first tool for 'required' and for required allowed_tools, and answers in text for 'auto'", async () => {
    const name = async (tool_choice: unknown) => (await rawOf({ tools: [weatherTool, bookTool], tool_choice })).choices[0]!.message.tool_calls?.[0]?.function.name;
    expect(await name('required')).toBe('weather');
    expect(await name({ type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'book' } }] } })).toBe('book');
    expect(await name('auto')).toBeUndefined();
    expect(await name(undefined)).toBeUndefined();
  });

  it('refuses, as a provider would with a 400, a tool_choice naming a missing tool and a schema no value satisfies', async () => {
    await expect(ask({ tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'book' } } })).rejects.toMatchObject({
      constructor: ProviderError,
      status: 400,
      retryable: false,
    });
    await expect(ask({ tools: [], tool_choice: 'required' })).rejects.toMatchObject({ status: 400 });
    const unsatisfiable = { type: 'object', properties: { a: false }, required: ['a'] };
    await expect(ask({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: unsatisfiable } } })).rejects.toThrow(/response_format.json_schema.schema/);
  });

  it('refuses, with a 400 naming the parameter, a schema asking for more than one answer may hold, its n choices together', async () => {
    const huge = { type: 'array', minItems: 1_600_000 };
    await expect(ask({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: huge } } })).rejects.toMatchObject({
      constructor: ProviderError,
      status: 400,
      message: expect.stringMatching(/^response_format\.json_schema\.schema: minItems 1600000 \(at #\) needs more than the 25,000 values/),
    });
    const thousand = { type: 'array', minItems: 1_000, items: { type: 'integer' } };
    expect((await rawOf({ n: 20, response_format: { type: 'json_schema', json_schema: { name: 'x', schema: thousand } } })).choices).toHaveLength(20);
    await expect(ask({ n: 30, response_format: { type: 'json_schema', json_schema: { name: 'x', schema: thousand } } })).rejects.toMatchObject({ status: 400 });
    const lookbehind = { type: 'object', properties: { city: { type: 'string', pattern: '(?<=x)y' } }, required: ['city'] };
    await expect(ask({ tools: [{ type: 'function', function: { name: 'go', parameters: lookbehind } }], tool_choice: 'required' })).rejects.toThrow(
      /^tools\.go\.parameters: pattern .* lookbehind/,
    );
  });

  it('reads conversations whose assistant turns carry tool calls and no content', async () => {
    const turns: ChatMessage[] = [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null as unknown as string },
      { role: 'tool', content: '18C' },
    ];
    expect((await ask({}, turns)).text).toBe('echo: Weather?');
  });

  it.each([
    ['plain text', { n: 2 }],
    ['a json_schema answer', { response_format: { type: 'json_schema', json_schema: { name: 'trip', schema: tripSchema } } }],
    ['a forced tool call', { tools: [bookTool], tool_choice: 'required', n: 2 }],
  ])('streams the same answer as it completes: %s', async (_, params) => {
    const raw = await rawOf(params);
    const { choices, chunks } = await collect(params);
    expect(choices).toEqual(
      raw.choices.map(({ message, finish_reason }) => ({
        content: message.content,
        ...(message.tool_calls ? { tool_calls: message.tool_calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })) } : {}),
        finish_reason,
      })),
    );
    // More than an opening and a closing chunk per choice: the answer really arrives in pieces.
    expect(chunks.length).toBeGreaterThan(raw.choices.length * 3);
  });

  it('streams usage last only when stream_options asks for it', async () => {
    const { chunks } = await collect({ stream_options: { include_usage: true } });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 9 } });
    expect((await collect({})).chunks.some((c) => c.usage)).toBe(false);
  });
});
