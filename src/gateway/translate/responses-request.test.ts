// Responses request bodies → chat.completions bodies: what maps to what, and what is refused with the field named.
import { describe, expect, it } from 'vitest';
import { responsesToChat } from './responses-request';
import { TranslationError } from './translation-error';

const refusal = (body: unknown): TranslationError => {
  try {
    responsesToChat(body);
  } catch (error) {
    if (error instanceof TranslationError) return error;
    throw error;
  }
  throw new Error('expected a TranslationError');
};

describe('responsesToChat', () => {
  it('sends instructions as a system message and a string input as the user message', () => {
    expect(responsesToChat({ model: 'echo/echo-1', instructions: 'Be brief.', input: 'Hello' })).toEqual({
      model: 'echo/echo-1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
    });
  });

  it('keeps user content parts as chat parts: text, image_url with its detail, and files', () => {
    const { messages } = responsesToChat({
      model: 'm',
      input: [
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is this?' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' },
            { type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,AAAA' },
          ],
        },
      ],
    });
    expect(messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
          { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,AAAA' } },
        ],
      },
    ]);
  });

  it('reads easy messages of every role, and turns a single-text history item into a plain string', () => {
    const { messages } = responsesToChat({
      model: 'm',
      input: [
        { role: 'developer', content: 'Answer in French.' },
        { role: 'system', content: [{ type: 'input_text', text: 'One' }, { type: 'input_text', text: 'Two' }] },
        { role: 'user', content: 'Hi' },
        { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Salut', annotations: [] }] },
        { role: 'user', content: 'Again' },
      ],
    });
    expect(messages).toEqual([
      { role: 'developer', content: 'Answer in French.' },
      { role: 'system', content: [{ type: 'text', text: 'One' }, { type: 'text', text: 'Two' }] },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Salut' },
      { role: 'user', content: 'Again' },
    ]);
  });

  it('joins function_call items to the assistant message before them and sends their outputs as tool messages', () => {
    const { messages } = responsesToChat({
      model: 'm',
      input: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
        { type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}', status: 'completed' },
        { type: 'function_call', call_id: 'call_b', name: 'weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'call_a', output: '18C' },
        { type: 'function_call_output', call_id: 'call_b', output: [{ type: 'input_text', text: '21C' }] },
      ],
    });
    expect(messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_b', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '18C' },
      { role: 'tool', tool_call_id: 'call_b', content: '21C' },
    ]);
  });

  it('starts an assistant message with no content for a call that follows a user message', () => {
    const { messages } = responsesToChat({
      model: 'm',
      input: [
        { role: 'user', content: 'Add 2 and 3' },
        { type: 'function_call', call_id: 'c1', name: 'add', arguments: '{"a":2,"b":3}' },
        { type: 'function_call_output', call_id: 'c1', output: '5' },
      ],
    });
    expect(messages[1]).toEqual({ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":3}' } }] });
  });

  it('nests flat function tools under `function` and maps every kind of tool_choice', () => {
    const tools = [{ type: 'function', name: 'add', description: 'Adds', parameters: { type: 'object', properties: {} }, strict: true }];
    const chat = (tool_choice: unknown) => responsesToChat({ model: 'm', input: 'x', tools, tool_choice });
    expect(chat('auto').tools).toEqual([
      { type: 'function', function: { name: 'add', description: 'Adds', parameters: { type: 'object', properties: {} }, strict: true } },
    ]);
    expect(chat('required').tool_choice).toBe('required');
    expect(chat({ type: 'function', name: 'add' }).tool_choice).toEqual({ type: 'function', function: { name: 'add' } });
    expect(chat({ type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'add' }] }).tool_choice).toEqual({
      type: 'allowed_tools',
      allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'add' } }] },
    });
  });

  it('turns text.format into response_format and text.verbosity into verbosity', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    const format = (f: unknown) => responsesToChat({ model: 'm', input: 'x', text: { format: f } }).response_format;
    expect(format({ type: 'json_schema', name: 'thing', schema, strict: true })).toEqual({ type: 'json_schema', json_schema: { name: 'thing', schema, strict: true } });
    expect(format({ type: 'json_object' })).toEqual({ type: 'json_object' });
    expect(format({ type: 'text' })).toEqual({ type: 'text' });
    expect(responsesToChat({ model: 'm', input: 'x', text: { verbosity: 'low' } }).verbosity).toBe('low');
  });

  it('renames the token limit and reasoning effort, passes shared fields through and drops what has no effect', () => {
    const chat = responsesToChat({
      model: 'm',
      input: 'x',
      max_output_tokens: 50,
      reasoning: { effort: 'low', summary: 'auto' },
      temperature: 0.2,
      top_p: 0.9,
      user: 'u1',
      metadata: { study: 's1' },
      parallel_tool_calls: false,
      store: true,
      include: ['reasoning.encrypted_content'],
      stream_options: { include_obfuscation: false },
      top_logprobs: 3,
      truncation: 'disabled',
      background: false,
      seed: 7,
    });
    expect(chat).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      max_completion_tokens: 50,
      reasoning_effort: 'low',
      temperature: 0.2,
      top_p: 0.9,
      user: 'u1',
      metadata: { study: 's1' },
      seed: 7,
    });
  });

  it('asks a stream for its usage, which the last Responses event must carry', () => {
    const chat = responsesToChat({ model: 'm', input: 'x', stream: true });
    expect([chat.stream, chat.stream_options]).toEqual([true, { include_usage: true }]);
  });

  it('keeps parallel_tool_calls when there are tools', () => {
    const tools = [{ type: 'function', name: 'f', parameters: null, strict: null }];
    expect(responsesToChat({ model: 'm', input: 'x', tools, parallel_tool_calls: false })).toMatchObject({
      tools: [{ type: 'function', function: { name: 'f' } }],
      parallel_tool_calls: false,
    });
  });

  it.each([
    [{ previous_response_id: 'resp_1' }, 'previous_response_id', 'unsupported_parameter'],
    [{ conversation: 'conv_1' }, 'conversation', 'unsupported_parameter'],
    [{ prompt: { id: 'pmpt_1' } }, 'prompt', 'unsupported_parameter'],
    [{ background: true }, 'background', 'unsupported_parameter'],
    [{ truncation: 'auto' }, 'truncation', 'unsupported_value'],
    [{ include: ['message.output_text.logprobs'] }, 'include', 'unsupported_value'],
    [{ tools: [{ type: 'function', name: 'f' }, { type: 'web_search' }] }, 'tools[1].type', 'unsupported_value'],
    [{ tool_choice: { type: 'web_search_preview' } }, 'tool_choice.type', 'unsupported_value'],
    [{ text: { format: { type: 'grammar' } } }, 'text.format.type', 'unsupported_value'],
    [{ text: { format: { type: 'json_schema', schema: {} } } }, 'text.format.name', 'invalid_value'],
  ])('refuses %j, naming %s', (extra, param, code) => {
    const error = refusal({ model: 'm', input: 'x', ...extra });
    expect([error.param, error.code]).toEqual([param, code]);
    expect(error.message).toMatch(new RegExp(`^${param.replace(/[[\].]/g, '\\$&')}: `));
  });

  it.each([
    [[{ type: 'reasoning', id: 'rs_1', summary: [] }], 'input[0].type', 'unsupported_value'],
    [[{ type: 'item_reference', id: 'msg_1' }], 'input[0].type', 'unsupported_value'],
    [[{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1', detail: 'auto' }] }], 'input[0].content[0].file_id', 'unsupported_value'],
    [[{ role: 'user', content: [{ type: 'input_image', image_url: 'https://x/y.png', detail: 'original' }] }], 'input[0].content[0].detail', 'unsupported_value'],
    [[{ role: 'system', content: [{ type: 'input_image', image_url: 'https://x/y.png' }] }], 'input[0].content[0].type', 'unsupported_value'],
    [[{ role: 'tool', content: 'x' }], 'input[0].role', 'invalid_value'],
    [[{ type: 'function_call', name: 'f', arguments: '{}' }], 'input[0].call_id', 'invalid_value'],
    [[], 'input', 'invalid_value'],
  ])('refuses the input %j, naming %s', (input, param, code) => {
    const error = refusal({ model: 'm', input });
    expect([error.param, error.code]).toEqual([param, code]);
  });

  it('refuses a body without input or model', () => {
    expect(refusal({ model: 'm' }).param).toBe('input');
    expect(refusal({ input: 'x' }).param).toBe('model');
  });
});
