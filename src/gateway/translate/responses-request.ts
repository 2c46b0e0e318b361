// Responses API request bodies (POST /v1/responses) → chat.completions bodies, for providers that only speak chat.
import type { ChatCompletionTool, ChatCompletionToolChoiceOption } from 'openai/resources/chat/completions';
import type { ResponseFormatJSONObject, ResponseFormatJSONSchema, ResponseFormatText } from 'openai/resources/shared';
import { z } from 'zod';
import type { ChatRequestBody } from './chat-shapes';
import { chatMessages } from './responses-input';
import { readAt, unsupportedParameter, unsupportedValue } from './translation-error';

const typed = z.looseObject({ type: z.string() });
const jsonObject = z.record(z.string(), z.unknown());

const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.looseObject({ type: z.string().optional() }))]),
  instructions: z.string().nullish(),
  tools: z.array(typed).nullish(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), typed]).nullish(),
  text: z.looseObject({ format: typed.nullish(), verbosity: z.enum(['low', 'medium', 'high']).nullish() }).nullish(),
  max_output_tokens: z.int().positive().nullish(),
  reasoning: z.looseObject({ effort: z.string().nullish() }).nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  user: z.string().nullish(),
  stream: z.boolean().nullish(),
  include: z.array(z.string()).nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
  background: z.boolean().nullish(),
  n: z.int().nullish(),
});

/** A Responses request body as the translations read it; fields they do not name are kept as sent. */
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

const functionTool = z.looseObject({
  name: z.string().min(1),
  description: z.string().nullish(),
  parameters: jsonObject.nullish(),
  strict: z.boolean().nullish(),
});
const toolChoiceFunction = z.looseObject({ name: z.string().min(1) });
const toolChoiceAllowed = z.looseObject({
  mode: z.enum(['auto', 'required']),
  tools: z.array(z.looseObject({ type: z.literal('function'), name: z.string().min(1) })),
});
const jsonSchemaFormat = z.looseObject({
  name: z.string().min(1),
  schema: jsonObject,
  description: z.string().nullish(),
  strict: z.boolean().nullish(),
});

/**
 * Fields read below, or dropped because they mean nothing once the request is a chat completion:
 * `store` (the gateway keeps no responses to retrieve, so storing has no effect), `stream_options`
 * (obfuscation only), `top_logprobs` (visible only with logprobs included, which is refused),
 * `max_tool_calls` (it limits built-in tools, which are refused).
 */
const RESPONSES_ONLY_FIELDS = new Set([
  'input', 'instructions', 'tools', 'tool_choice', 'text', 'max_output_tokens', 'reasoning', 'parallel_tool_calls',
  'stream', 'stream_options', 'include', 'truncation', 'background', 'store', 'top_logprobs', 'max_tool_calls',
  'previous_response_id', 'conversation', 'prompt', 'context_management',
]);

/** Reads a POST /v1/responses body; a value of the wrong shape is a TranslationError naming the field. */
export function parseResponsesRequest(body: unknown): ResponsesRequest {
  return readAt(responsesRequestSchema, body, []);
}

/** The chat.completions body that asks the same as a Responses body, or a TranslationError naming what cannot be asked. */
export function responsesToChat(body: unknown): ChatRequestBody {
  const request = parseResponsesRequest(body);
  refuseStatefulFields(request);
  const passthrough = Object.fromEntries(Object.entries(request).filter(([key]) => !RESPONSES_ONLY_FIELDS.has(key)));
  const tools = request.tools?.length ? chatTools(request.tools) : undefined;
  const toolChoice = request.tool_choice != null ? chatToolChoice(request.tool_choice) : undefined;
  const format = request.text?.format ? responseFormat(request.text.format) : undefined;
  return {
    ...passthrough,
    model: request.model,
    messages: chatMessages(request.instructions, request.input),
    ...(tools ? { tools } : {}),
    ...(toolChoice !== undefined ? { tool_choice: toolChoice } : {}),
    // OpenAI refuses parallel_tool_calls on a chat request without tools; Responses clients may send it anyway.
    ...(tools && request.parallel_tool_calls != null ? { parallel_tool_calls: request.parallel_tool_calls } : {}),
    ...(format ? { response_format: format } : {}),
    ...(request.text?.verbosity ? { verbosity: request.text.verbosity } : {}),
    ...(request.max_output_tokens != null ? { max_completion_tokens: request.max_output_tokens } : {}),
    ...(request.reasoning?.effort ? { reasoning_effort: request.reasoning.effort as ChatRequestBody['reasoning_effort'] } : {}),
    // Usage comes last in a chat stream only when asked for; the Responses stream must end with it.
    ...(request.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

/** What needs responses kept by the server, or work chat cannot do, is refused rather than silently lost. */
function refuseStatefulFields(request: ResponsesRequest) {
  const keptState = 'the gateway keeps no responses or conversations; send the whole conversation as input';
  if (request.previous_response_id != null) throw unsupportedParameter('previous_response_id', keptState);
  if (request.conversation != null) throw unsupportedParameter('conversation', keptState);
  if (request.prompt != null) {
    throw unsupportedParameter('prompt', 'stored prompt templates are not available through the gateway; send instructions and input');
  }
  // Chat would generate (and the row store) every choice, and a response shows only the first.
  if (request.n != null && request.n > 1) {
    throw unsupportedParameter('n', 'a response has one output, so only the first of n choices could be returned; send the request again for another answer');
  }
  if (request.background) throw unsupportedParameter('background', 'background responses need stored responses to poll; the gateway keeps none');
  if (Array.isArray(request.context_management) && request.context_management.length > 0) {
    throw unsupportedParameter('context_management', 'context compaction is not available through a chat-completions provider');
  }
  if (request.truncation === 'auto') throw unsupportedValue('truncation', "chat providers do not truncate input; use 'disabled'");
  // Other includes ask for parts of items a chat answer never has (reasoning, built-in tool results), so there is nothing to add.
  if (request.include?.includes('message.output_text.logprobs')) {
    throw unsupportedValue('include', "'message.output_text.logprobs' is not translated from chat completions");
  }
}

/** Responses function tools are flat (`{type, name, parameters}`); chat nests them under `function`. */
function chatTools(tools: Array<z.infer<typeof typed>>): ChatCompletionTool[] {
  return tools.map((tool, index) => {
    if (tool.type !== 'function') {
      const message = `the built-in tool '${tool.type}' is not available through a chat-completions provider; only function tools are`;
      throw unsupportedValue(`tools[${index}].type`, message);
    }
    const { name, description, parameters, strict } = readAt(functionTool, tool, ['tools', index]);
    return {
      type: 'function',
      function: {
        name,
        ...(description != null ? { description } : {}),
        ...(parameters != null ? { parameters } : {}),
        ...(strict != null ? { strict } : {}),
      },
    };
  });
}

function chatToolChoice(choice: NonNullable<ResponsesRequest['tool_choice']>): ChatCompletionToolChoiceOption {
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function') return { type: 'function', function: { name: readAt(toolChoiceFunction, choice, ['tool_choice']).name } };
  if (choice.type === 'allowed_tools') {
    const { mode, tools } = readAt(toolChoiceAllowed, choice, ['tool_choice']);
    return { type: 'allowed_tools', allowed_tools: { mode, tools: tools.map(({ name }) => ({ type: 'function', function: { name } })) } };
  }
  throw unsupportedValue('tool_choice.type', `choosing the tool '${choice.type}' is not available through a chat-completions provider`);
}

function responseFormat(format: z.infer<typeof typed>): ResponseFormatText | ResponseFormatJSONObject | ResponseFormatJSONSchema {
  if (format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type === 'json_schema') {
    const { name, schema, description, strict } = readAt(jsonSchemaFormat, format, ['text', 'format']);
    return {
      type: 'json_schema',
      json_schema: { name, schema, ...(description != null ? { description } : {}), ...(strict != null ? { strict } : {}) },
    };
  }
  throw unsupportedValue('text.format.type', `'${format.type}' is not a text format chat completions know (text, json_object, json_schema)`);
}
