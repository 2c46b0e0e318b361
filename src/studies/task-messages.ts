// The messages a study task sends: the item's own messages, or its prompt put through the study
// template and its vars. The runners send them; pages, reports and judges show the same text.
import type { ChatMessage } from '../providers/types';
import { fillPrompt } from '../inference/prompt-fill';

/** What of a stored item makes its messages. */
export interface ItemPromptParts {
  prompt: string | null;
  messages: ChatMessage[] | null;
  vars: Record<string, string> | null;
}

/** The messages of a task: the item's messages, or its prompt through the study template and vars (filled once, see prompt-fill). */
export function taskMessages(item: ItemPromptParts, template: string | null): ChatMessage[] {
  if (item.messages) return item.messages;
  return [{ role: 'user', content: fillPrompt(item, template) }];
}
