// Multi-turn chats persisted as conversation groups: history is rebuilt from the captured turns,
// so it survives restarts, and a failed turn is kept in the log but left out of the history.
import { z } from 'zod';
import { conversationTurns } from './repository';
import { createGroup, getGroup } from '../groups/repository';
import { AppError, notFound } from '../errors';
import type { ChatMessage, ChatParams } from '../providers/types';
import { runChatCall } from '../capture/provider-call';
import type { KeyedLock } from '../concurrency/keyed-lock';
import { resolveProvider, type InferenceContext } from '../inference/service';
import { noSecrets } from '../capture/scrub-secrets';

export interface ConversationContext extends InferenceContext {
  /** Serialises turns of one conversation so two messages never race for the same history. */
  locks: KeyedLock;
}

/** What a conversation group's metadata holds: how every turn is sent. */
const conversationSettingsSchema = z.object({
  provider: z.string(),
  model: z.string(),
  system_prompt: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});
type ConversationSettings = z.infer<typeof conversationSettingsSchema>;

export async function createConversation(
  ctx: ConversationContext,
  input: { provider: string; model?: string; system_prompt?: string; name?: string; params?: ChatParams },
) {
  const provider = resolveProvider(ctx.providers, input.provider);
  const settings: ConversationSettings = {
    provider: provider.name,
    model: input.model ?? provider.defaultModel,
    ...(input.system_prompt ? { system_prompt: input.system_prompt } : {}),
    ...(input.params ? { params: input.params } : {}),
  };
  const group = await createGroup(
    ctx.db,
    (ctx.scrub ?? noSecrets)({ groupType: 'conversation', name: input.name ?? `chat with ${settings.provider}/${settings.model}`, metadata: settings }),
  );
  return getConversation(ctx, group.id);
}

async function loadConversation(ctx: ConversationContext, id: number) {
  const group = await getGroup(ctx.db, id);
  if (group?.groupType !== 'conversation') throw notFound('conversation', id);
  const turns = await conversationTurns(ctx.db, id);
  const settings = conversationSettingsSchema.parse(group.metadataJson);
  const messages: Array<ChatMessage & { call_id?: number }> = settings.system_prompt
    ? [{ role: 'system', content: settings.system_prompt }]
    : [];
  const turnList = turns.map((turn) => {
    const request = JSON.parse(turn.request_json) as { messages: ChatMessage[] };
    const user = request.messages[request.messages.length - 1]!;
    const response = turn.response_json ? (JSON.parse(turn.response_json) as { text: string }) : null;
    if (turn.status === 'success' && response) {
      messages.push({ role: 'user', content: user.content, call_id: turn.call_id });
      messages.push({ role: 'assistant', content: response.text, call_id: turn.call_id });
    }
    return {
      call_id: turn.call_id,
      status: turn.status,
      user: user.content,
      assistant: response?.text ?? null,
      error: turn.error_json ? (JSON.parse(turn.error_json) as Record<string, unknown>) : null,
      created_at: turn.created_at,
    };
  });
  return { group, settings, messages, turns: turnList };
}

export async function getConversation(ctx: ConversationContext, id: number) {
  const { group, settings, messages, turns } = await loadConversation(ctx, id);
  return {
    id: group.id,
    name: group.name,
    provider: settings.provider,
    model: settings.model,
    system_prompt: settings.system_prompt ?? null,
    created_at: group.createdAt,
    messages,
    turns,
  };
}

export async function sendMessage(ctx: ConversationContext, id: number, input: { content: string; params?: ChatParams }) {
  return ctx.locks.run(id, async () => {
    const { settings, messages } = await loadConversation(ctx, id);
    const provider = ctx.providers.get(settings.provider);
    if (!provider) {
      throw new AppError(409, 'provider_unavailable', `provider "${settings.provider}" of this conversation is no longer configured`);
    }
    const history: ChatMessage[] = messages.map(({ role, content }) => ({ role, content }));
    const call = await runChatCall(ctx, {
      provider,
      model: settings.model,
      messages: [...history, { role: 'user', content: input.content }],
      params: { ...settings.params, ...input.params },
      metadata: { source: 'conversation', conversation_id: id, turn: history.filter((m) => m.role === 'user').length },
      // The turn joins the conversation in the statement that captures it (a trigger on this column).
      link: { conversationId: id },
    });
    return { call, conversation: await getConversation(ctx, id) };
  });
}
