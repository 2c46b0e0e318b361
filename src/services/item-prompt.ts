// What a study item asked, as text: the prompt as sent (template and variables applied), or the last
// user message of a conversation item. Shown beside results and given to LLM judges as {question}.
import { parseJsonColumn } from '../db/study-repository';
import { contentText } from '../providers/message-text';
import type { ChatMessage } from '../providers/types';
import { taskMessages } from './batch-runner';

export interface StoredItemPrompt {
  prompt: string | null;
  messages_json: string | null;
  vars_json: string | null;
}

export function itemPromptText(item: StoredItemPrompt, template: string | null): string {
  const messages = taskMessages(
    { prompt: item.prompt, messages: parseJsonColumn<ChatMessage[]>(item.messages_json), vars: parseJsonColumn<Record<string, string>>(item.vars_json) },
    template,
  );
  const last = [...messages].reverse().find((m) => m.role === 'user') ?? messages[messages.length - 1];
  return last ? contentText(last.content ?? '') : '';
}
