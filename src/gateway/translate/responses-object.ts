// Chat completions → Responses API `response` objects, with the request settings every response echoes.
import type {
  Response,
  ResponseFunctionToolCall,
  ResponseOutputMessage,
  ResponseOutputRefusal,
  ResponseOutputText,
  ResponseUsage,
} from 'openai/resources/responses/responses';
import type { ChatCompletionLike, ChatToolCall, ChatUsage } from './chat-shapes';
import type { ResponsesRequest } from './responses-request';

/** A `response` object as the API sends it: `output_text` is a convenience the SDKs add, not a wire field. */
export type WireResponse = Omit<Response, 'output_text'>;

export interface ResponseIdentity {
  /** The response id (`resp_…`); output item ids are derived from it. */
  id: string;
  /** Unix seconds. */
  createdAt: number;
  /** Unix seconds. A chat completion carries no finish time, so this defaults to createdAt. */
  completedAt?: number;
}

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

/** A response before any output: what `response.created` announces and every later state builds on. */
export function responseShell(request: ResponsesRequest, identity: ResponseIdentity, model: string): WireResponse {
  return {
    id: identity.id,
    object: 'response',
    created_at: identity.createdAt,
    status: 'in_progress',
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model,
    output: [],
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: null,
    background: false,
    reasoning: { effort: (request.reasoning?.effort ?? null) as NonNullable<Response['reasoning']>['effort'], summary: null },
    // The provider's defaults are unknown here, so unset sampling parameters are reported as null, not as OpenAI's 1.
    temperature: request.temperature ?? null,
    top_p: request.top_p ?? null,
    text: {
      format: (request.text?.format ?? { type: 'text' }) as NonNullable<Response['text']>['format'],
      ...(request.text?.verbosity ? { verbosity: request.text.verbosity } : {}),
    },
    tool_choice: (request.tool_choice ?? 'auto') as Response['tool_choice'],
    tools: (request.tools ?? []) as Response['tools'],
    truncation: request.truncation ?? 'disabled',
    metadata: request.metadata ?? {},
    ...(request.user != null ? { user: request.user } : {}),
  };
}

/** How a chat finish_reason ends a response: cut short by the token limit or a filter is `incomplete`, anything else `completed`. */
export function finishedState(
  finishReason: string | null | undefined,
  identity: ResponseIdentity,
): Pick<WireResponse, 'status' | 'completed_at' | 'incomplete_details'> {
  if (finishReason === 'length') return { status: 'incomplete', completed_at: null, incomplete_details: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', completed_at: null, incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', completed_at: identity.completedAt ?? identity.createdAt, incomplete_details: null };
}

export const itemStatusFor = (finishReason: string | null | undefined): Exclude<ItemStatus, 'in_progress'> =>
  finishReason === 'length' || finishReason === 'content_filter' ? 'incomplete' : 'completed';

/** Output item ids follow the response id and the item's place, so a response translates the same way every time. */
export function itemId(kind: 'msg' | 'fc', responseId: string, outputIndex: number): string {
  return `${kind}_${responseId.replace(/^resp_/, '')}_${outputIndex}`;
}

export const outputText = (text: string): ResponseOutputText => ({ type: 'output_text', text, annotations: [], logprobs: [] });
export const outputRefusal = (refusal: string): ResponseOutputRefusal => ({ type: 'refusal', refusal });

export function messageItem(id: string, status: ItemStatus, content: ResponseOutputMessage['content']): ResponseOutputMessage {
  return { id, type: 'message', role: 'assistant', status, content };
}

export function functionCallItem(
  id: string,
  status: ItemStatus,
  call: { callId: string; name: string; arguments: string },
): ResponseFunctionToolCall {
  return { id, type: 'function_call', status, call_id: call.callId, name: call.name, arguments: call.arguments };
}

/** The non-streamed answer: the first choice's text (or refusal) as a message item, then one function_call item per tool call. */
export function chatToResponse(completion: ChatCompletionLike, request: ResponsesRequest, identity: ResponseIdentity): WireResponse {
  const choice = completion.choices[0];
  const message = choice?.message;
  const calls = (message?.tool_calls ?? []).filter(isFunctionCall);
  const content: ResponseOutputMessage['content'] = [];
  if (message?.content) content.push(outputText(message.content));
  if (message?.refusal) content.push(outputRefusal(message.refusal));
  const output: Array<ResponseOutputMessage | ResponseFunctionToolCall> = [];
  // A bare tool-calling turn has no message item; any other answer has one, even if empty, so output_text reads ''.
  if (content.length > 0 || calls.length === 0) {
    output.push(messageItem(itemId('msg', identity.id, 0), 'completed', content.length > 0 ? content : [outputText('')]));
  }
  for (const call of calls) {
    const index = output.length;
    output.push(
      functionCallItem(itemId('fc', identity.id, index), 'completed', {
        callId: call.id ?? `call_${identity.id.replace(/^resp_/, '')}_${index}`,
        name: call.function?.name ?? '',
        arguments: call.function?.arguments ?? '',
      }),
    );
  }
  // Only the last item can have been cut short by a length or filter finish.
  const last = output.at(-1)!;
  last.status = itemStatusFor(choice?.finish_reason);
  return {
    ...responseShell(request, identity, completion.model ?? request.model),
    ...finishedState(choice?.finish_reason, identity),
    output,
    ...(completion.usage ? { usage: responseUsage(completion.usage) } : {}),
    ...(completion.service_tier ? { service_tier: completion.service_tier as WireResponse['service_tier'] } : {}),
  };
}

const isFunctionCall = (call: ChatToolCall) => (call.type === undefined || call.type === 'function') && call.function !== undefined;

export function responseUsage(usage: ChatUsage): ResponseUsage {
  const input = usage.prompt_tokens ?? 0;
  const output = usage.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: {
      cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
      cache_write_tokens: usage.prompt_tokens_details?.cache_write_tokens ?? 0,
    },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens ?? input + output,
  };
}
