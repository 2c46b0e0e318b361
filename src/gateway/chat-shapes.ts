// The chat.completions shapes the translations write (request bodies) and read (answers, loosely: providers differ).
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';

/** A chat.completions request body; fields the client sent that chat shares pass through untouched. */
export type ChatRequestBody = ChatCompletionCreateParamsBase & Record<string, unknown>;

export interface ChatUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null; cache_write_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

export interface ChatToolCall {
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface ChatChoice {
  index?: number;
  message?: { content?: string | null; refusal?: string | null; tool_calls?: ChatToolCall[] | null } | null;
  finish_reason?: string | null;
}

/** A `chat.completion` body; the openai SDK's `ChatCompletion` fits it. */
export interface ChatCompletionLike {
  id?: string;
  created?: number;
  model?: string;
  system_fingerprint?: string | null;
  service_tier?: string | null;
  choices: ChatChoice[];
  usage?: ChatUsage | null;
}
