// Offline, deterministic provider for dry runs, demos and tests: no model is called.
import { z } from 'zod';
import { nextTurn, timeSlicer } from '../concurrency/time-slice';
import { contentText } from './message-text';
import { ExampleBudget, schemaExample } from './schema-example';
import {
  ProviderError,
  type ChatParams,
  type ChatStreamChunk,
  type CompletionRequest,
  type EmbedOptions,
  type EmbeddingResult,
  type Provider,
  type ProviderResponse,
} from './types';

/** The dimension of echo's vectors when none is asked for. */
export const ECHO_DIMENSIONS = 16;

export class EchoProvider implements Provider {
  readonly name = 'echo';
  readonly kind = 'echo';
  readonly label = 'Echo (offline, deterministic — no model is called)';
  readonly models = ['echo-1'];
  readonly defaultModel = 'echo-1';

  /**
   * `echo: <last user text>` by default. Asked for structure, it answers in kind: `n` choices; a
   * json_schema response_format gets a value valid against the schema, json_object a small object; a
   * tool_choice that forces a call gets a call with valid arguments and finish_reason `tool_calls`.
   */
  async complete(request: CompletionRequest): Promise<ProviderResponse> {
    const started = performance.now();
    const { completion, firstChoice } = echoCompletion(request);
    const { prompt_tokens: prompt, completion_tokens: answered } = completion.usage;
    return {
      text: firstChoice.content ?? '',
      provider: this.name,
      model: request.model,
      tokens: { prompt, completion: answered, total: prompt + answered },
      latencyMs: performance.now() - started,
      metadata: { offline: true, finish_reason: firstChoice.finishReason },
      raw: completion,
    };
  }

  /** The same answer as `complete`, sent piece by piece like a real stream, choice after choice (usage last when asked for). */
  async *stream(request: CompletionRequest): AsyncIterable<ChatStreamChunk> {
    const { completion: raw } = echoCompletion(request);
    const base = { id: raw.id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: request.model };
    const chunk = (index: number, delta: Record<string, unknown>, finish: string | null): ChatStreamChunk => ({
      ...base,
      choices: [{ index, delta, finish_reason: finish }],
    });
    for (const { index, message, finish_reason } of raw.choices) {
      const call = message.tool_calls?.[0];
      const announced = call && { index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } };
      const opening = announced ? { role: 'assistant', content: null, tool_calls: [announced] } : { role: 'assistant', content: '' };
      yield chunk(index, opening, null);
      for (const piece of streamPieces(call ? call.function.arguments : (message.content ?? ''))) {
        // Yield to the event loop between pieces, so the stream is really delivered piece by piece.
        await nextTurn();
        if (request.signal?.aborted) return;
        yield chunk(index, call ? { tool_calls: [{ index: 0, function: { arguments: piece } }] } : { content: piece }, null);
      }
      yield chunk(index, {}, finish_reason);
    }
    const streamOptions = request.params.stream_options as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage) yield { ...base, choices: [], usage: raw.usage };
  }

  async embed(texts: string[], model: string, options: EmbedOptions = {}): Promise<EmbeddingResult> {
    const started = performance.now();
    const dimensions = options.dimensions ?? ECHO_DIMENSIONS;
    const vectors: Float32Array[] = [];
    // Millions of floats take a while to make: other requests run in between.
    const slice = timeSlicer();
    for (const text of texts) {
      await slice();
      vectors.push(deterministicVector(`${model}\u0000${text}`, dimensions));
    }
    const prompt = texts.reduce((sum, t) => sum + countWords(t), 0);
    return {
      vectors,
      provider: this.name,
      model,
      tokens: { prompt, completion: 0, total: prompt },
      latencyMs: performance.now() - started,
      raw: { object: 'list', model, data: `[${vectors.length} vectors]`, usage: { prompt_tokens: prompt, total_tokens: prompt } },
    };
  }
}


interface EchoCompletion {
  id: string;
  object: 'chat.completion';
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> };
    finish_reason: string;
  }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** Echo's answer to a request, the same every time it is asked. */
function echoCompletion(request: CompletionRequest): { completion: EchoCompletion; firstChoice: EchoChoice } {
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
  const userText = contentText(lastUser?.content ?? '');
  const seed = fnv1a(JSON.stringify(request.messages));
  const choices = echoChoices(request.params, userText, seed);
  const prompt = request.messages.reduce((sum, m) => sum + countWords(contentText(m.content ?? '')), 0);
  const answered = choices.reduce((sum, c) => sum + countWords(c.content ?? c.toolCall?.arguments ?? ''), 0);
  const completion: EchoCompletion = {
    id: `echo-${seed.toString(16)}`,
    object: 'chat.completion',
    model: request.model,
    choices: choices.map((choice, index) => ({ index, message: assistantMessage(choice), finish_reason: choice.finishReason })),
    usage: { prompt_tokens: prompt, completion_tokens: answered, total_tokens: prompt + answered },
  };
  return { completion, firstChoice: choices[0]! };
}

interface EchoChoice {
  content: string | null;
  toolCall?: { id: string; name: string; arguments: string };
  finishReason: 'stop' | 'tool_calls';
}

const assistantMessage = ({ content, toolCall }: EchoChoice): EchoCompletion['choices'][number]['message'] => ({
  role: 'assistant',
  content,
  ...(toolCall ? { tool_calls: [{ id: toolCall.id, type: 'function', function: { name: toolCall.name, arguments: toolCall.arguments } }] } : {}),
});

const functionTool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({ name: z.string(), parameters: z.record(z.string(), z.unknown()).nullish() }),
});
const structuredParams = z.looseObject({
  n: z.int().min(1).nullish().catch(undefined),
  tools: z.array(z.unknown()).nullish().catch(undefined),
  tool_choice: z.unknown().optional(),
  response_format: z
    .union([
      z.looseObject({ type: z.literal('json_schema'), json_schema: z.looseObject({ schema: z.record(z.string(), z.unknown()).optional() }) }),
      z.looseObject({ type: z.enum(['json_object', 'text']) }),
    ])
    .nullish()
    .catch(undefined),
});

/** Choice i is the same for the same request: structured values use variant i, so choices differ where a schema lets them. */
function echoChoices(params: ChatParams, userText: string, seed: number): EchoChoice[] {
  const { n, tools, tool_choice, response_format } = structuredParams.parse(params);
  const forced = forcedTool(tool_choice, (tools ?? []).flatMap((t) => functionTool.safeParse(t).data ?? []));
  // One budget for the whole answer: n choices cost no more than one large one.
  const budget = new ExampleBudget();
  const example = (schema: unknown, variant: number, param: string) => {
    try {
      return schemaExample(schema, variant, budget);
    } catch (error) {
      throw badRequest(`${param}: ${(error as Error).message}`);
    }
  };
  return Array.from({ length: n ?? 1 }, (_, i): EchoChoice => {
    if (forced) {
      const args = example(forced.function.parameters ?? { type: 'object', properties: {} }, i, `tools.${forced.function.name}.parameters`);
      return {
        content: null,
        toolCall: { id: `call_${seed.toString(16)}_${i}`, name: forced.function.name, arguments: JSON.stringify(args) },
        finishReason: 'tool_calls',
      };
    }
    if (response_format?.type === 'json_schema') {
      return { content: JSON.stringify(example(response_format.json_schema.schema ?? {}, i, 'response_format.json_schema.schema')), finishReason: 'stop' };
    }
    if (response_format?.type === 'json_object') return { content: JSON.stringify({ echo: userText }), finishReason: 'stop' };
    return { content: `echo: ${userText}`, finishReason: 'stop' };
  });
}

const namedChoice = z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) });
const requiredAllowedChoice = z.looseObject({
  type: z.literal('allowed_tools'),
  allowed_tools: z.looseObject({ mode: z.literal('required'), tools: z.array(z.looseObject({ function: z.looseObject({ name: z.string() }) })).min(1) }),
});

/** The tool a tool_choice makes the model call: a named function, or the first one for `required`; none for `auto`/`none`. */
function forcedTool(choice: unknown, tools: Array<z.infer<typeof functionTool>>) {
  if (choice === 'required') {
    if (!tools[0]) throw badRequest("tool_choice 'required' needs a function in tools");
    return tools[0];
  }
  const name = namedChoice.safeParse(choice).data?.function.name ?? requiredAllowedChoice.safeParse(choice).data?.allowed_tools.tools[0]?.function.name;
  if (name === undefined) return undefined;
  const tool = tools.find((t) => t.function.name === name);
  if (!tool) throw badRequest(`tool_choice names the function '${name}', which is not in tools`);
  return tool;
}

/** What a real provider answers with a 400, so the gateway passes it on as the client's mistake. */
const badRequest = (message: string) => new ProviderError('BadRequestError', message, { status: 400, retryable: false, code: 'invalid_value' });

/** Words as a model would stream them; long runs without spaces (JSON) in pieces of up to 16 characters. */
function streamPieces(text: string): string[] {
  return (text.match(/\s*\S+\s*/g) ?? []).flatMap((word) => word.match(/[\s\S]{1,16}/g) ?? []);
}

function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A unit vector seeded by the text (mulberry32), so the same text always embeds the same way. */
function deterministicVector(text: string, dimensions: number): Float32Array {
  let seed = fnv1a(text);
  const next = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  const vector = new Float64Array(dimensions);
  let squares = 0;
  for (let i = 0; i < dimensions; i++) squares += (vector[i] = next()) ** 2;
  const norm = Math.sqrt(squares) || 1;
  return Float32Array.from(vector, (v) => v / norm);
}
