// Legacy completions (POST /v1/completions) over chat-completions providers: the prompt is sent as one user message.
import type { Completion, CompletionChoice } from 'openai/resources/completions';
import { z } from 'zod';
import type { ChatStreamChunk } from '../../providers/types';
import type { ChatCompletionLike, ChatRequestBody, ChatUsage } from './chat-shapes';
import { invalidValue, readAt, unsupportedParameter, unsupportedValue } from './translation-error';

const completionsRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.unknown())]),
  echo: z.boolean().nullish(),
  suffix: z.string().nullish(),
  best_of: z.int().nullish(),
  logprobs: z.int().nullish(),
});

export interface CompletionIdentity {
  /** The completion id (`cmpl-…`), the same on every chunk of a stream. */
  id: string;
  /** Unix seconds. */
  createdAt: number;
}

/** A streamed chunk: the SDK reuses `Completion` for it, but finish_reason is null until the last chunk of a choice. */
export type CompletionChunk = Omit<Completion, 'choices'> & {
  choices: Array<Omit<CompletionChoice, 'finish_reason'> & { finish_reason: CompletionChoice['finish_reason'] | null }>;
};

/**
 * The chat body that asks for the same completion. Sampling fields chat shares (max_tokens, temperature,
 * top_p, n, stop, penalties, logit_bias, seed, user, stream, stream_options) pass through; what a chat
 * model cannot do (echo, suffix, best_of, logprobs, token or several prompts) is a TranslationError.
 */
export function completionsToChat(body: unknown): ChatRequestBody {
  const { prompt, echo, suffix, best_of, logprobs, ...passthrough } = readAt(completionsRequestSchema, body, []);
  if (echo) throw unsupportedValue('echo', 'a chat model does not continue the prompt, so it cannot be echoed in front of the answer');
  if (suffix) throw unsupportedParameter('suffix', 'inserting text before a suffix is not available through a chat-completions provider');
  if (best_of != null && best_of > 1) {
    throw unsupportedParameter('best_of', 'ranking candidates by log probability is not available through a chat-completions provider');
  }
  if (logprobs != null) throw unsupportedParameter('logprobs', 'legacy log probabilities are not translated from chat completions');
  return { ...passthrough, messages: [{ role: 'user', content: promptText(prompt) }] };
}

function promptText(prompt: string | unknown[]): string {
  if (typeof prompt === 'string') return prompt;
  if (prompt.length === 0) throw invalidValue('prompt', 'must not be empty');
  if (!prompt.every((p): p is string => typeof p === 'string')) {
    throw unsupportedValue('prompt', 'token arrays are not translated; send the prompt as text');
  }
  // Several prompts make a batch answered choice by choice; one chat call answers one conversation.
  if (prompt.length > 1) throw unsupportedValue('prompt', 'one prompt per request; several prompts are a batch that a single chat call cannot answer');
  return prompt[0]!;
}

/** The non-streamed answer: each chat choice's text as a text_completion choice. */
export function chatToCompletion(completion: ChatCompletionLike, identity: CompletionIdentity): Completion {
  return {
    id: identity.id,
    object: 'text_completion',
    created: identity.createdAt,
    model: completion.model ?? '',
    choices: completion.choices.map((choice, i) => ({
      text: choice.message?.content ?? '',
      index: choice.index ?? i,
      logprobs: null,
      finish_reason: completionFinish(choice.finish_reason) ?? 'stop',
    })),
    ...(completion.usage ? { usage: completionUsage(completion.usage) } : {}),
    ...(completion.system_fingerprint ? { system_fingerprint: completion.system_fingerprint } : {}),
  };
}

/**
 * One chat chunk as a completion chunk, or undefined when it carries nothing a completion shows
 * (the role-only first chunk, empty deltas). A usage-only chunk stays one, with no choices.
 */
export function chatChunkToCompletionChunk(chunk: ChatStreamChunk, identity: CompletionIdentity): CompletionChunk | undefined {
  const choices = (chunk.choices ?? []).flatMap((choice) => {
    const text = typeof choice.delta?.content === 'string' ? choice.delta.content : '';
    const finish = completionFinish(choice.finish_reason);
    return text === '' && finish === null ? [] : [{ text, index: choice.index ?? 0, logprobs: null, finish_reason: finish }];
  });
  const usage = chunk.usage as ChatUsage | null | undefined;
  if (choices.length === 0 && !usage) return undefined;
  return {
    id: identity.id,
    object: 'text_completion',
    created: identity.createdAt,
    model: chunk.model ?? '',
    choices,
    ...(usage ? { usage: completionUsage(usage) } : {}),
  };
}

/** Chat's other reasons (tool_calls, function_call) cannot happen without tools, so they read as a plain stop. */
function completionFinish(reason: string | null | undefined): CompletionChoice['finish_reason'] | null {
  if (!reason) return null;
  return reason === 'length' || reason === 'content_filter' ? reason : 'stop';
}

function completionUsage(usage: ChatUsage): NonNullable<Completion['usage']> {
  const prompt = usage.prompt_tokens ?? 0;
  const completion = usage.completion_tokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage.total_tokens ?? prompt + completion };
}
