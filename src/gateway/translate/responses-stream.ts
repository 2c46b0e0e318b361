// A streamed chat completion, chunk by chunk → the server-sent events of a streamed Responses API response.
import type { ResponseError, ResponseOutputItem, ResponseStreamEvent } from 'openai/resources/responses/responses';
import type { ChatStreamChunk } from '../../providers/types';
import type { ChatUsage } from './chat-shapes';
import type { ResponsesRequest } from './responses-request';
import {
  finishedState,
  functionCallItem,
  itemId,
  itemStatusFor,
  messageItem,
  outputRefusal,
  outputText,
  responseShell,
  responseUsage,
  type ItemStatus,
  type ResponseIdentity,
  type WireResponse,
} from './responses-object';

/** A Responses stream event as sent: any response it carries is a WireResponse (no SDK-side `output_text`). */
export type ResponsesStreamEvent = ResponseStreamEvent extends infer E
  ? E extends { response: unknown }
    ? Omit<E, 'response'> & { response: WireResponse }
    : E
  : never;
type Unnumbered<E> = E extends unknown ? Omit<E, 'sequence_number'> : never;

interface OpenPart {
  type: 'output_text' | 'refusal';
  text: string;
}
interface MessageState {
  outputIndex: number;
  id: string;
  parts: OpenPart[];
  status: ItemStatus;
}
interface CallState {
  outputIndex: number;
  id: string;
  callId: string;
  name: string;
  arguments: string;
  status: ItemStatus;
}

/**
 * Turns chat.completion.chunk objects into Responses events, numbered in order: `response.created` and
 * `response.in_progress` with the first chunk; for text, `output_item.added`, `content_part.added`,
 * `output_text.delta`…, then the `.done` events in reverse; for each tool call its own function_call item
 * with `function_call_arguments.delta`/`.done`; last `response.completed` (`response.incomplete` when the
 * chat finished for length or a content filter) or `response.failed`. Only choice 0 is read: Responses has no `n`.
 */
export class ResponsesStreamTranslator {
  private sequence = 0;
  private started = false;
  private ended = false;
  private model: string;
  private readonly items: Array<MessageState | CallState> = [];
  private message: MessageState | undefined;
  private readonly calls = new Map<number, CallState>();
  private finishReason: string | null = null;
  private usage: ChatUsage | undefined;

  constructor(
    private readonly request: ResponsesRequest,
    private readonly identity: ResponseIdentity,
    /** Unix seconds, for `completed_at`. */
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.model = request.model;
  }

  /** The events one chunk makes; the first chunk also opens the response. */
  push(chunk: ChatStreamChunk): ResponsesStreamEvent[] {
    const events = this.begin(chunk.model);
    if (chunk.usage) this.usage = chunk.usage as ChatUsage;
    const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
    const delta = choice?.delta;
    if (typeof delta?.content === 'string' && delta.content !== '') this.addText(events, 'output_text', delta.content);
    if (typeof delta?.refusal === 'string' && delta.refusal !== '') this.addText(events, 'refusal', delta.refusal);
    for (const call of delta?.tool_calls ?? []) this.addToolCall(events, call);
    if (choice?.finish_reason) {
      this.finishReason = choice.finish_reason;
      this.closeAll(events);
    }
    return events;
  }

  /** The provider ended the stream: what is open closes, and the response completes (or is incomplete). */
  end(): ResponsesStreamEvent[] {
    const events = this.begin();
    this.closeAll(events);
    // As in the non-streamed translation, an answer with no output at all still has one (empty) message.
    if (this.items.length === 0) {
      this.openPart(events, this.openMessage(events), 'output_text');
      this.closeAll(events);
    }
    this.ended = true;
    const response: WireResponse = {
      ...this.snapshot(),
      ...finishedState(this.finishReason, { ...this.identity, completedAt: this.now() }),
      ...(this.usage ? { usage: responseUsage(this.usage) } : {}),
    };
    const type = response.status === 'incomplete' ? 'response.incomplete' : 'response.completed';
    events.push(this.numbered({ type, response }));
    return events;
  }

  /** The provider failed mid-stream: the response ends as `response.failed`, items left as they stood. */
  fail(error: { message: string; code?: ResponseError['code'] }): ResponsesStreamEvent[] {
    const events = this.begin();
    this.ended = true;
    const response: WireResponse = {
      ...this.snapshot('incomplete'),
      status: 'failed',
      error: { code: error.code ?? 'server_error', message: error.message },
      ...(this.usage ? { usage: responseUsage(this.usage) } : {}),
    };
    events.push(this.numbered({ type: 'response.failed', response }));
    return events;
  }

  private begin(model?: string): ResponsesStreamEvent[] {
    if (this.ended) throw new Error('the Responses stream has already ended');
    if (this.started) return [];
    this.started = true;
    if (model) this.model = model;
    const response = responseShell(this.request, this.identity, this.model);
    return [this.numbered({ type: 'response.created', response }), this.numbered({ type: 'response.in_progress', response })];
  }

  private addText(events: ResponsesStreamEvent[], type: OpenPart['type'], delta: string) {
    const message = this.message?.status === 'in_progress' ? this.message : this.openMessage(events);
    const last = message.parts.at(-1);
    const part = last?.type === type ? last : this.openPart(events, message, type);
    part.text += delta;
    const at = { item_id: message.id, output_index: message.outputIndex, content_index: message.parts.length - 1 };
    events.push(
      type === 'output_text'
        ? this.numbered({ type: 'response.output_text.delta', ...at, delta, logprobs: [] })
        : this.numbered({ type: 'response.refusal.delta', ...at, delta }),
    );
  }

  private addToolCall(events: ResponsesStreamEvent[], delta: NonNullable<NonNullable<ChatStreamChunk['choices'][number]['delta']>['tool_calls']>[number]) {
    let call = this.calls.get(delta.index);
    if (!call) {
      this.closeAll(events);
      const outputIndex = this.items.length;
      call = {
        outputIndex,
        id: itemId('fc', this.identity.id, outputIndex),
        callId: delta.id ?? `call_${this.identity.id.replace(/^resp_/, '')}_${outputIndex}`,
        name: delta.function?.name ?? '',
        arguments: '',
        status: 'in_progress',
      };
      this.calls.set(delta.index, call);
      this.items.push(call);
      events.push(this.numbered({ type: 'response.output_item.added', output_index: outputIndex, item: wireItem(call) }));
    } else if (delta.function?.name) {
      call.name += delta.function.name;
    }
    const args = delta.function?.arguments;
    if (!args) return;
    call.arguments += args;
    // Providers send one call's deltas before the next call's; should one interleave, a late delta still
    // reaches the client (the SDKs accumulate by output_index) and response.completed carries the whole call.
    events.push(this.numbered({ type: 'response.function_call_arguments.delta', item_id: call.id, output_index: call.outputIndex, delta: args }));
  }

  private openMessage(events: ResponsesStreamEvent[]): MessageState {
    this.closeAll(events);
    const outputIndex = this.items.length;
    const message: MessageState = { outputIndex, id: itemId('msg', this.identity.id, outputIndex), parts: [], status: 'in_progress' };
    this.message = message;
    this.items.push(message);
    events.push(this.numbered({ type: 'response.output_item.added', output_index: outputIndex, item: wireItem(message) }));
    return message;
  }

  private openPart(events: ResponsesStreamEvent[], message: MessageState, type: OpenPart['type']): OpenPart {
    const part: OpenPart = { type, text: '' };
    message.parts.push(part);
    events.push(
      this.numbered({
        type: 'response.content_part.added',
        item_id: message.id,
        output_index: message.outputIndex,
        content_index: message.parts.length - 1,
        part: contentPart(part),
      }),
    );
    return part;
  }

  private closeAll(events: ResponsesStreamEvent[]) {
    for (const item of this.items) {
      if (item.status !== 'in_progress') continue;
      // Only the item open when the chat finished was cut short by a length or filter finish.
      item.status = itemStatusFor(this.finishReason);
      if ('parts' in item) this.closeMessage(events, item);
      else this.closeCall(events, item);
    }
  }

  private closeMessage(events: ResponsesStreamEvent[], message: MessageState) {
    message.parts.forEach((part, content_index) => {
      const at = { item_id: message.id, output_index: message.outputIndex, content_index };
      events.push(
        part.type === 'output_text'
          ? this.numbered({ type: 'response.output_text.done', ...at, text: part.text, logprobs: [] })
          : this.numbered({ type: 'response.refusal.done', ...at, refusal: part.text }),
      );
      events.push(this.numbered({ type: 'response.content_part.done', ...at, part: contentPart(part) }));
    });
    events.push(this.numbered({ type: 'response.output_item.done', output_index: message.outputIndex, item: wireItem(message) }));
  }

  private closeCall(events: ResponsesStreamEvent[], call: CallState) {
    events.push(
      this.numbered({
        type: 'response.function_call_arguments.done',
        item_id: call.id,
        output_index: call.outputIndex,
        name: call.name,
        arguments: call.arguments,
      }),
    );
    events.push(this.numbered({ type: 'response.output_item.done', output_index: call.outputIndex, item: wireItem(call) }));
  }

  /** The response with its output as it stands; `open` is the status of items not yet done. */
  private snapshot(open: 'in_progress' | 'incomplete' = 'in_progress'): WireResponse {
    const output: ResponseOutputItem[] = this.items.map((item) => {
      const status = item.status === 'in_progress' ? open : item.status;
      return wireItem(item, status);
    });
    return { ...responseShell(this.request, this.identity, this.model), output };
  }


  private numbered<E extends Unnumbered<ResponsesStreamEvent>>(event: E): ResponsesStreamEvent {
    return { ...event, sequence_number: this.sequence++ } as unknown as ResponsesStreamEvent;
  }
}

function wireItem(item: MessageState | CallState, status = item.status) {
  return 'parts' in item ? messageItem(item.id, status, item.parts.map(contentPart)) : functionCallItem(item.id, status, item);
}

const contentPart = (part: OpenPart) => (part.type === 'output_text' ? outputText(part.text) : outputRefusal(part.text));
