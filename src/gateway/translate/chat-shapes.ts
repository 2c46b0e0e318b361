// The chat.completions request body the translations write; the answers they read are the providers' (providers/types).
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';

/** A chat.completions request body; fields the client sent that chat shares pass through untouched. */
export type ChatRequestBody = ChatCompletionCreateParamsBase & Record<string, unknown>;

export type { ChatChoice, ChatCompletionLike, ChatToolCall, ChatUsage } from '../../providers/types';
