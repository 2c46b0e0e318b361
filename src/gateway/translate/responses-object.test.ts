// Chat completions → Responses `response` objects: output items, status, usage and the echoed request settings.
import { describe, expect, it } from 'vitest';
import { chatToResponse } from './responses-object';
import { parseResponsesRequest } from './responses-request';

const identity = { id: 'resp_abc', createdAt: 1_700_000_000, completedAt: 1_700_000_002 };
const request = parseResponsesRequest({ model: 'echo/echo-1', input: 'Hi' });
const usage = {
  prompt_tokens: 12,
  completion_tokens: 5,
  total_tokens: 17,
  prompt_tokens_details: { cached_tokens: 4 },
  completion_tokens_details: { reasoning_tokens: 2 },
};

describe('chatToResponse', () => {
  it('answers text as a completed message with one output_text part, and maps usage with its details', () => {
    const response = chatToResponse(
      { id: 'chatcmpl-1', model: 'echo-1', choices: [{ index: 0, message: { content: 'Hello there' }, finish_reason: 'stop' }], usage },
      request,
      identity,
    );
    expect(response).toMatchObject({
      id: 'resp_abc',
      object: 'response',
      created_at: 1_700_000_000,
      status: 'completed',
      completed_at: 1_700_000_002,
      error: null,
      incomplete_details: null,
      model: 'echo-1',
      output: [
        {
          id: 'msg_abc_0',
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Hello there', annotations: [], logprobs: [] }],
        },
      ],
      usage: {
        input_tokens: 12,
        input_tokens_details: { cached_tokens: 4, cache_write_tokens: 0 },
        output_tokens: 5,
        output_tokens_details: { reasoning_tokens: 2 },
        total_tokens: 17,
      },
    });
    expect(response).not.toHaveProperty('output_text');
  });

  it('echoes the request settings, reporting unset sampling parameters as null', () => {
    const tools = [{ type: 'function', name: 'add', parameters: { type: 'object' }, strict: true }];
    const asked = parseResponsesRequest({
      model: 'echo/echo-1',
      input: 'Hi',
      instructions: 'Be brief.',
      tools,
      tool_choice: { type: 'function', name: 'add' },
      text: { format: { type: 'json_object' } },
      max_output_tokens: 64,
      metadata: { run: '1' },
      top_p: 0.5,
      user: 'u1',
      reasoning: { effort: 'low' },
    });
    const response = chatToResponse({ choices: [{ message: { content: '{}' }, finish_reason: 'stop' }] }, asked, identity);
    expect(response).toMatchObject({
      model: 'echo/echo-1',
      instructions: 'Be brief.',
      tools,
      tool_choice: { type: 'function', name: 'add' },
      text: { format: { type: 'json_object' } },
      max_output_tokens: 64,
      metadata: { run: '1' },
      temperature: null,
      top_p: 0.5,
      user: 'u1',
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: 'low', summary: null },
      truncation: 'disabled',
    });
    const plain = chatToResponse({ choices: [{ message: { content: 'x' }, finish_reason: 'stop' }] }, request, identity);
    expect(plain).toMatchObject({ instructions: null, tools: [], tool_choice: 'auto', text: { format: { type: 'text' } }, metadata: {} });
  });

  it('answers tool calls as function_call items, with no message item when the model only called tools', () => {
    const response = chatToResponse(
      {
        model: 'echo-1',
        choices: [
          {
            message: {
              content: null,
              tool_calls: [
                { id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":1}' } },
                { id: 'call_2', type: 'function', function: { name: 'add', arguments: '{"a":2}' } },
              ],
            },
            finish_reason: 'tool_calls',
          },
        ],
      },
      request,
      identity,
    );
    expect(response.status).toBe('completed');
    expect(response.output).toEqual([
      { id: 'fc_abc_0', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'add', arguments: '{"a":1}' },
      { id: 'fc_abc_1', type: 'function_call', status: 'completed', call_id: 'call_2', name: 'add', arguments: '{"a":2}' },
    ]);
  });

  it('puts text said before a tool call in a message item ahead of the call', () => {
    const response = chatToResponse(
      { choices: [{ message: { content: 'Let me add.', tool_calls: [{ id: 'c', function: { name: 'add', arguments: '{}' } }] }, finish_reason: 'tool_calls' }] },
      request,
      identity,
    );
    expect(response.output.map((item) => [item.type, item.id])).toEqual([
      ['message', 'msg_abc_0'],
      ['function_call', 'fc_abc_1'],
    ]);
  });

  it('is incomplete for max_output_tokens when the chat finished for length, with the cut item incomplete', () => {
    const response = chatToResponse({ choices: [{ message: { content: 'Once upon a' }, finish_reason: 'length' }] }, request, identity);
    expect(response).toMatchObject({
      status: 'incomplete',
      completed_at: null,
      incomplete_details: { reason: 'max_output_tokens' },
      output: [{ type: 'message', status: 'incomplete', content: [{ text: 'Once upon a' }] }],
    });
  });

  it('is incomplete for content_filter when a filter stopped the chat', () => {
    const response = chatToResponse({ choices: [{ message: { content: '' }, finish_reason: 'content_filter' }] }, request, identity);
    expect([response.status, response.incomplete_details]).toEqual(['incomplete', { reason: 'content_filter' }]);
  });

  it('answers a refusal as a refusal part, and an empty answer as an empty output_text', () => {
    const refused = chatToResponse({ choices: [{ message: { content: null, refusal: 'I cannot help with that.' }, finish_reason: 'stop' }] }, request, identity);
    expect(refused.output).toEqual([
      { id: 'msg_abc_0', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'refusal', refusal: 'I cannot help with that.' }] },
    ]);
    const empty = chatToResponse({ choices: [{ message: { content: null }, finish_reason: 'stop' }] }, request, identity);
    expect(empty.output).toMatchObject([{ type: 'message', content: [{ type: 'output_text', text: '' }] }]);
  });

  it('leaves usage out when the provider reported none, and completed_at at createdAt when no finish time is given', () => {
    const response = chatToResponse({ choices: [{ message: { content: 'x' }, finish_reason: 'stop' }] }, request, { id: 'resp_1', createdAt: 5 });
    expect(response).not.toHaveProperty('usage');
    expect(response.completed_at).toBe(5);
  });
});
