// One shape for every answer a captured row holds, whatever API produced it and whether it was
// streamed: response_json = { text (choice 0), finish_reason, tool_calls? (choice 0), choices? (when
// n > 1), model, response_id, raw? }. Rows captured before this shape are read through it too.

export interface ToolCall {
  id?: string;
  type?: string;
  function: { name: string; arguments: string };
}

export interface ChoiceShape {
  index: number;
  text: string;
  finish_reason: string | null;
  tool_calls?: ToolCall[];
}

export interface AnswerShape {
  text: string;
  finish_reason: string | null;
  tool_calls?: ToolCall[];
  choices?: ChoiceShape[];
}

type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null && !Array.isArray(value);
const asString = (value: unknown) => (typeof value === 'string' ? value : '');

/** The answer of a whole set of choices: choice 0's text and tool calls, every choice when there are several. */
export function answerOfChoices(choices: ChoiceShape[]): AnswerShape {
  const sorted = [...choices].sort((a, b) => a.index - b.index);
  const first = sorted[0];
  return {
    text: first?.text ?? '',
    finish_reason: first?.finish_reason ?? null,
    ...(first?.tool_calls?.length ? { tool_calls: first.tool_calls } : {}),
    ...(sorted.length > 1 ? { choices: sorted } : {}),
  };
}

function toolCallsOf(value: unknown): ToolCall[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.filter(isObject).map((call) => {
    const fn = isObject(call.function) ? call.function : {};
    return {
      ...(typeof call.id === 'string' ? { id: call.id } : {}),
      ...(typeof call.type === 'string' ? { type: call.type } : {}),
      function: { name: asString(fn.name), arguments: asString(fn.arguments) },
    };
  });
}

/** A chat.completion body (OpenAI's wire format, which every chat provider here answers in). */
export function chatCompletionAnswer(raw: unknown): AnswerShape {
  const choices = isObject(raw) && Array.isArray(raw.choices) ? raw.choices.filter(isObject) : [];
  return answerOfChoices(
    choices.map((choice, i) => {
      const message = isObject(choice.message) ? choice.message : {};
      const toolCalls = toolCallsOf(message.tool_calls);
      return {
        index: typeof choice.index === 'number' ? choice.index : i,
        text: asString(message.content),
        finish_reason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
        ...(toolCalls ? { tool_calls: toolCalls } : {}),
      };
    }),
  );
}

/** A legacy text_completion body. */
export function textCompletionAnswer(raw: unknown): AnswerShape {
  const choices = isObject(raw) && Array.isArray(raw.choices) ? raw.choices.filter(isObject) : [];
  return answerOfChoices(
    choices.map((choice, i) => ({
      index: typeof choice.index === 'number' ? choice.index : i,
      text: asString(choice.text),
      finish_reason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
    })),
  );
}

/** A Responses API `response` object: its message text, its function calls, its status as a finish reason. */
export function responsesAnswer(raw: unknown): AnswerShape {
  const output = isObject(raw) && Array.isArray(raw.output) ? raw.output.filter(isObject) : [];
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const item of output) {
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content) if (isObject(part) && part.type === 'output_text') text += asString(part.text);
    } else if (item.type === 'function_call') {
      toolCalls.push({ id: asString(item.call_id), type: 'function', function: { name: asString(item.name), arguments: asString(item.arguments) } });
    }
  }
  const status = isObject(raw) ? raw.status : undefined;
  const incomplete = isObject(raw) && isObject(raw.incomplete_details) ? raw.incomplete_details.reason : undefined;
  const finish =
    status === 'incomplete' ? (incomplete === 'content_filter' ? 'content_filter' : 'length') : toolCalls.length ? 'tool_calls' : status === 'completed' ? 'stop' : null;
  return { text, finish_reason: finish, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) };
}

/**
 * A stored response_json in today's shape. Rows captured before it kept only choice 0's text (the
 * other choices and the tool calls were only in `raw`): those are read again from `raw`.
 */
export function normalizedResponse(response: Loose | null): Loose | null {
  if (!response || response.choices !== undefined || response.tool_calls !== undefined) return response;
  const raw = response.raw;
  if (!isObject(raw) || raw.object !== 'chat.completion') return response;
  const answer = chatCompletionAnswer(raw);
  if (!answer.tool_calls && !answer.choices) return response;
  return { ...response, ...(answer.tool_calls ? { tool_calls: answer.tool_calls } : {}), ...(answer.choices ? { choices: answer.choices } : {}) };
}

/**
 * Which model answered: the `model` and `system_fingerprint` the provider reported with its answer
 * (from the raw body, or from a stream's chunks), null when it reported none. A provider may serve
 * another snapshot than the one asked for, or change its backend under the same name.
 */
export function servedIdentity(response: Loose): { servedModel: string | null; systemFingerprint: string | null } {
  const raw = isObject(response.raw) ? response.raw : undefined;
  const model = raw ? raw.model : response.model;
  const fingerprint = response.system_fingerprint ?? raw?.system_fingerprint;
  return {
    servedModel: typeof model === 'string' && model !== '' ? model : null,
    systemFingerprint: typeof fingerprint === 'string' && fingerprint !== '' ? fingerprint : null,
  };
}
