// What a study item asked, as text: the prompt as sent (template and variables applied), or the last
// user message of a conversation item. Shown beside results and given to LLM judges as {question}.
import { parseJsonColumn } from './report/repository';
import { contentText } from '../providers/message-text';
import type { ChatMessage } from '../providers/types';
import { taskMessages } from './task-messages';
import { filledPromptBytes, scanText } from '../inference/prompt-fill';

export interface StoredItemPrompt {
  prompt: string | null;
  messages_json: string | null;
  vars_json: string | null;
}

/**
 * A filled-in prompt larger than this is described, not built. Studies are measured against
 * MAX_INFERENCE_BYTES (4 MiB by default) when created; one stored before that check could fill in to
 * gigabytes, and its page, report and export failed for good.
 */
export const MAX_SHOWN_PROMPT_BYTES = 4 * 1024 * 1024;

export function itemPromptText(item: StoredItemPrompt, template: string | null): string {
  const vars = parseJsonColumn<Record<string, string>>(item.vars_json);
  const messages = parseJsonColumn<ChatMessage[]>(item.messages_json);
  if (!messages) {
    const size = filledPromptBytes({ prompt: item.prompt, vars }, template ? scanText(template) : null);
    if (size.bytes > MAX_SHOWN_PROMPT_BYTES) return `[a prompt of ${size.bytes.toLocaleString('en-US')} bytes once filled in: too large to show]`;
  }
  const filled = taskMessages({ prompt: item.prompt, messages, vars }, template);
  const last = [...filled].reverse().find((m) => m.role === 'user') ?? filled[filled.length - 1];
  return last ? contentText(last.content ?? '') : '';
}
