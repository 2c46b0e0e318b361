// Streamed chat chunks → Responses stream events: the order, the numbering and the shapes the SDKs accumulate.
import { describe, expect, it } from 'vitest';
import { chatToResponse } from './responses-object';
import { parseResponsesRequest } from './responses-request';
import { ResponsesStreamTranslator, type ResponsesStreamEvent } from './responses-stream';
import type { ChatStreamChunk, ToolCallDelta } from '../../providers/types';

const request = parseResponsesRequest({ model: 'echo/echo-1', input: 'Hi' });
const identity = { id: 'resp_s1', createdAt: 1_700_000_000 };
const usage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 };

const chunk = (delta: Record<string, unknown>, finish: string | null = null): ChatStreamChunk => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  model: 'echo-1',
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const usageChunk: ChatStreamChunk = { id: 'chatcmpl-1', model: 'echo-1', choices: [], usage };
const callDelta = (index: number, fields: Partial<ToolCallDelta> & { name?: string; args?: string }): ToolCallDelta => ({
  index,
  ...(fields.id ? { id: fields.id, type: 'function' } : {}),
  function: { ...(fields.name ? { name: fields.name } : {}), ...(fields.args !== undefined ? { arguments: fields.args } : {}) },
});

function translate(chunks: ChatStreamChunk[], finish: 'end' | { fail: string } = 'end') {
  const translator = new ResponsesStreamTranslator(request, identity, () => 1_700_000_009);
  const events = chunks.flatMap((c) => translator.push(c));
  events.push(...(finish === 'end' ? translator.end() : translator.fail({ message: finish.fail })));
  return events;
}
const types = (events: ResponsesStreamEvent[]) => events.map((e) => e.type);
const last = (events: ResponsesStreamEvent[]) => events.at(-1) as Extract<ResponsesStreamEvent, { response: unknown }>;

describe('ResponsesStreamTranslator', () => {
  it('streams text in the order OpenAI does, numbering every event from 0', () => {
    const events = translate([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hello ' }), chunk({ content: 'world' }), chunk({}, 'stop'), usageChunk]);
    expect(types(events)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events[0]).toMatchObject({ response: { id: 'resp_s1', status: 'in_progress', output: [], model: 'echo-1' } });
    expect(events[2]).toEqual({
      type: 'response.output_item.added',
      output_index: 0,
      item: { id: 'msg_s1_0', type: 'message', role: 'assistant', status: 'in_progress', content: [] },
      sequence_number: 2,
    });
    expect(events[3]).toEqual({
      type: 'response.content_part.added',
      item_id: 'msg_s1_0',
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
      sequence_number: 3,
    });
    expect(events[4]).toEqual({ type: 'response.output_text.delta', item_id: 'msg_s1_0', output_index: 0, content_index: 0, delta: 'Hello ', logprobs: [], sequence_number: 4 });
    expect(events[6]).toMatchObject({ type: 'response.output_text.done', text: 'Hello world' });
    expect(events[8]).toMatchObject({ item: { status: 'completed', content: [{ type: 'output_text', text: 'Hello world' }] } });
    expect(last(events).response).toMatchObject({
      status: 'completed',
      completed_at: 1_700_000_009,
      output: [{ id: 'msg_s1_0', status: 'completed', content: [{ text: 'Hello world' }] }],
      usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 },
    });
  });

  it('streams each tool call as a function_call item with argument deltas, one item after the other', () => {
    const events = translate([
      chunk({ role: 'assistant', content: null, tool_calls: [callDelta(0, { id: 'call_a', name: 'add', args: '' })] }),
      chunk({ tool_calls: [callDelta(0, { args: '{"a":' })] }),
      chunk({ tool_calls: [callDelta(0, { args: '1}' })] }),
      chunk({ tool_calls: [callDelta(1, { id: 'call_b', name: 'mul', args: '{"b":2}' })] }),
      chunk({}, 'tool_calls'),
    ]);
    expect(types(events)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[2]).toMatchObject({
      output_index: 0,
      item: { id: 'fc_s1_0', type: 'function_call', status: 'in_progress', call_id: 'call_a', name: 'add', arguments: '' },
    });
    expect(events[3]).toEqual({ type: 'response.function_call_arguments.delta', item_id: 'fc_s1_0', output_index: 0, delta: '{"a":', sequence_number: 3 });
    expect(events[5]).toEqual({ type: 'response.function_call_arguments.done', item_id: 'fc_s1_0', output_index: 0, name: 'add', arguments: '{"a":1}', sequence_number: 5 });
    expect(events[10]).toMatchObject({ item: { id: 'fc_s1_1', call_id: 'call_b', name: 'mul', arguments: '{"b":2}', status: 'completed' } });
  });

  it('ends with the same output as the non-streamed translation of the same answer', () => {
    const calls = [{ id: 'call_a', type: 'function', function: { name: 'add', arguments: '{"a":1}' } }];
    const events = translate([
      chunk({ role: 'assistant', content: 'Adding ' }),
      chunk({ content: 'now.' }),
      chunk({ tool_calls: [callDelta(0, { id: 'call_a', name: 'add', args: '{"a"' })] }),
      chunk({ tool_calls: [callDelta(0, { args: ':1}' })] }),
      chunk({}, 'tool_calls'),
      usageChunk,
    ]);
    const whole = chatToResponse(
      { model: 'echo-1', choices: [{ message: { content: 'Adding now.', tool_calls: calls }, finish_reason: 'tool_calls' }], usage },
      request,
      { ...identity, completedAt: 1_700_000_009 },
    );
    expect(last(events).response).toEqual(whole);
    const added = events.filter((e) => e.type === 'response.output_item.added' || e.type === 'response.output_item.done');
    expect(added.map((e) => `${e.type}:${'output_index' in e ? e.output_index : ''}`)).toEqual([
      'response.output_item.added:0',
      'response.output_item.done:0',
      'response.output_item.added:1',
      'response.output_item.done:1',
    ]);
  });

  it('ends as response.incomplete for max_output_tokens when the chat finished for length', () => {
    const events = translate([chunk({ content: 'Once upon' }), chunk({}, 'length')]);
    expect(last(events).type).toBe('response.incomplete');
    expect(last(events).response).toMatchObject({
      status: 'incomplete',
      completed_at: null,
      incomplete_details: { reason: 'max_output_tokens' },
      output: [{ status: 'incomplete', content: [{ text: 'Once upon' }] }],
    });
    expect(events.find((e) => e.type === 'response.output_item.done')).toMatchObject({ item: { status: 'incomplete' } });
  });

  it('ends as response.failed with the error when the provider fails mid-stream, items left incomplete', () => {
    const events = translate([chunk({ content: 'Half an ans' })], { fail: 'upstream connection reset' });
    expect(types(events)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.failed',
    ]);
    expect(last(events).response).toMatchObject({
      status: 'failed',
      error: { code: 'server_error', message: 'upstream connection reset' },
      output: [{ type: 'message', status: 'incomplete', content: [{ type: 'output_text', text: 'Half an ans' }] }],
    });
  });

  it('streams a refusal as refusal events in a refusal part', () => {
    const events = translate([chunk({ refusal: 'I cannot ' }), chunk({ refusal: 'help.' }), chunk({}, 'stop')]);
    expect(types(events).slice(2, -1)).toEqual([
      'response.output_item.added',
      'response.content_part.added',
      'response.refusal.delta',
      'response.refusal.delta',
      'response.refusal.done',
      'response.content_part.done',
      'response.output_item.done',
    ]);
    expect(events.find((e) => e.type === 'response.refusal.done')).toMatchObject({ refusal: 'I cannot help.', content_index: 0 });
  });

  it('still opens the response and gives one empty message when the stream ends with nothing said', () => {
    const translator = new ResponsesStreamTranslator(request, identity);
    const events = translator.end();
    expect(types(events)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(last(events).response.model).toBe('echo/echo-1');
    expect(() => translator.push(chunk({ content: 'late' }))).toThrow(/already ended/);
  });

  it('sends snapshots: an item announced in progress stays so in its event after the item is done', () => {
    const events = translate([chunk({ content: 'Hi' }), chunk({}, 'stop')]);
    expect(events[2]).toMatchObject({ type: 'response.output_item.added', item: { status: 'in_progress', content: [] } });
    expect(events[3]).toMatchObject({ type: 'response.content_part.added', part: { text: '' } });
    expect(events[0]).toMatchObject({ response: { status: 'in_progress', output: [] } });
  });
});
