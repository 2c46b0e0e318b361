// A Responses request's `instructions` and `input` items → the chat messages that say the same.
import type {
  ChatCompletionContentPart,
  ChatCompletionContentPartRefusal,
  ChatCompletionContentPartText,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { z } from 'zod';
import { invalidValue, paramPath, readAt, unsupportedValue } from './translation-error';

const contentParts = z.array(z.looseObject({ type: z.string() }));
const messageItem = z.looseObject({
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), contentParts]),
});
const functionCallItem = z.looseObject({ call_id: z.string().min(1), name: z.string().min(1), arguments: z.string() });
const functionCallOutputItem = z.looseObject({ call_id: z.string().min(1), output: z.union([z.string(), contentParts]) });
const textPart = z.looseObject({ text: z.string() });
const refusalPart = z.looseObject({ refusal: z.string() });
const imagePart = z.looseObject({
  image_url: z.string().nullish(),
  file_id: z.string().nullish(),
  detail: z.string().nullish(),
});
const filePart = z.looseObject({
  file_data: z.string().optional(),
  file_id: z.string().nullish(),
  filename: z.string().optional(),
  file_url: z.string().optional(),
});

type Part = z.infer<typeof contentParts>[number];

/** `instructions` first, as a system message (the role every chat provider knows), then each input item in order. */
export function chatMessages(instructions: string | null | undefined, input: string | Array<{ type?: string }>): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  if (instructions) messages.push({ role: 'system', content: instructions });
  if (typeof input === 'string') messages.push({ role: 'user', content: input });
  else input.forEach((item, index) => { appendItem(messages, item, ['input', index]); });
  if (!messages.some((m) => m.role !== 'system' && m.role !== 'developer')) {
    throw invalidValue('input', 'must hold at least one message, function call or function call output');
  }
  return messages;
}

function appendItem(messages: ChatCompletionMessageParam[], item: { type?: string }, at: Array<string | number>) {
  const type = item.type ?? 'message';
  if (type === 'message') messages.push(message(readAt(messageItem, item, at), at));
  else if (type === 'function_call') appendToolCall(messages, readAt(functionCallItem, item, at));
  else if (type === 'function_call_output') {
    const { call_id, output } = readAt(functionCallOutputItem, item, at);
    messages.push({ role: 'tool', tool_call_id: call_id, content: textContent(output, [...at, 'output']) });
  } else {
    throw unsupportedValue(paramPath([...at, 'type']), `'${type}' items cannot be translated to chat messages`);
  }
}

function message({ role, content }: z.infer<typeof messageItem>, at: Array<string | number>): ChatCompletionMessageParam {
  if (typeof content === 'string') return { role, content } as ChatCompletionMessageParam;
  const contentAt = [...at, 'content'];
  if (role === 'user') return { role, content: content.map((part, j) => userPart(part, [...contentAt, j])) };
  if (role === 'assistant') return { role, content: assistantContent(content, contentAt) };
  return { role, content: textContent(content, contentAt) };
}

/**
 * A Responses turn that calls functions arrives as an assistant message item followed by function_call
 * items; chat carries them as one assistant message with tool_calls, so calls join the message before them.
 */
function appendToolCall(messages: ChatCompletionMessageParam[], call: z.infer<typeof functionCallItem>) {
  const toolCall: ChatCompletionMessageFunctionToolCall = {
    id: call.call_id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  };
  const last = messages.at(-1);
  if (last?.role === 'assistant') last.tool_calls = [...(last.tool_calls ?? []), toolCall];
  else messages.push({ role: 'assistant', content: null, tool_calls: [toolCall] });
}

function userPart(part: Part, at: Array<string | number>): ChatCompletionContentPart {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: readAt(textPart, part, at).text };
    case 'input_image': {
      const image = readAt(imagePart, part, at);
      if (!image.image_url) {
        throw unsupportedValue(paramPath([...at, 'file_id']), 'images are translated from image_url only; chat providers cannot read uploaded files by id');
      }
      const detail = image.detail ?? undefined;
      if (detail !== undefined && detail !== 'auto' && detail !== 'low' && detail !== 'high') {
        throw unsupportedValue(paramPath([...at, 'detail']), `chat image detail is auto, low or high, not '${detail}'`);
      }
      return { type: 'image_url', image_url: { url: image.image_url, ...(detail ? { detail } : {}) } };
    }
    case 'input_file': {
      const { file_data, file_id, filename, file_url } = readAt(filePart, part, at);
      if (file_url !== undefined) throw unsupportedValue(paramPath([...at, 'file_url']), 'chat file parts carry file_data or file_id, not a URL');
      const file = { ...(file_data !== undefined ? { file_data } : {}), ...(file_id ? { file_id } : {}), ...(filename !== undefined ? { filename } : {}) };
      return { type: 'file', file };
    }
    default:
      throw unsupportedValue(paramPath([...at, 'type']), `'${part.type}' content parts cannot be translated to chat`);
  }
}

function assistantContent(parts: Part[], at: Array<string | number>): string | Array<ChatCompletionContentPartText | ChatCompletionContentPartRefusal> {
  const chatParts = parts.map((part, j): ChatCompletionContentPartText | ChatCompletionContentPartRefusal =>
    part.type === 'refusal' ? { type: 'refusal', refusal: readAt(refusalPart, part, [...at, j]).refusal } : textPartAt(part, [...at, j]),
  );
  return singleText(chatParts);
}

/** System, developer and tool messages, and function outputs: chat takes text there, and nothing else. */
function textContent(content: string | Part[], at: Array<string | number>): string | ChatCompletionContentPartText[] {
  if (typeof content === 'string') return content;
  const parts = content.map((part, j) => textPartAt(part, [...at, j]));
  return singleText(parts) as string | ChatCompletionContentPartText[];
}

function textPartAt(part: Part, at: Array<string | number>): ChatCompletionContentPartText {
  if (part.type !== 'input_text' && part.type !== 'output_text') {
    throw unsupportedValue(paramPath([...at, 'type']), `'${part.type}' parts are translated in user messages only`);
  }
  return { type: 'text', text: readAt(textPart, part, at).text };
}

/**
 * History items echoed from earlier responses carry their text as a single output_text part; as a plain
 * string it reaches every chat provider, some of which accept only strings outside user messages.
 */
function singleText<P extends { type: string }>(parts: P[]): string | P[] {
  const [only] = parts;
  return parts.length === 1 && only?.type === 'text' ? (only as unknown as ChatCompletionContentPartText).text : parts;
}
