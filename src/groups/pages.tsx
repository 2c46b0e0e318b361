// Pages: groups/experiments and conversations (chat view).
import { Hono } from 'hono';
import { addGroupMembers, createGroup, existingCallIds, getGroup, groupMembersPage, groupTargetSummary, listGroups } from './repository';
import { serviceContext, type AppDeps } from '../deps';
import { AppError } from '../errors';
import { groupTypeFilter } from './service';
import { createConversation, getConversation, sendMessage } from '../conversations/service';
import { Chat, ConversationPage, ConversationsPage } from '../../views/groups/conversations';
import { GroupPage, GroupsPage } from '../../views/groups/groups';
import { conversationBodySchema, groupBodySchema, idParamSchema } from '../schemas/requests';
import { field, parseWith, readForm } from '../pages/form-input';
import { providerOptions } from '../pages/page-helpers';
import type { AppEnv } from '../app-env';

const MEMBERS_SHOWN = 200;

export function groupPages(deps: AppDeps) {
  const ctx = serviceContext(deps);
  const db = ctx.db;
  const idOf = (raw: string) => {
    const parsed = idParamSchema.safeParse({ id: raw });
    if (!parsed.success) throw new AppError(404, 'not_found', 'not found');
    return parsed.data.id;
  };
  const groupsOfType = async (type?: string) => (await listGroups(db, { type }, 200)).rows;
  const groupView = async (id: number) => {
    const group = await getGroup(db, id);
    if (!group) throw new AppError(404, 'not_found', `group ${id} does not exist`);
    return {
      group: { id: group.id, group_type: group.groupType, name: group.name, description: group.description, created_at: group.createdAt },
      summary: await groupTargetSummary(db, id),
      members: await groupMembersPage(db, id, -1, MEMBERS_SHOWN),
    };
  };
  const conversations = async () => groupsOfType('conversation');

  return new Hono<AppEnv>()
    .get('/groups', async (c) => {
      const type = c.req.query('type') || undefined;
      return c.html(<GroupsPage groups={await groupsOfType(type && groupTypeFilter(type))} type={type} />);
    })
    .post('/groups', async (c) => {
      const body = await readForm(c);
      try {
        const input = parseWith(groupBodySchema, {
          group_type: field(body, 'group_type') || 'experiment',
          name: field(body, 'name'),
          ...(field(body, 'description') ? { description: field(body, 'description') } : {}),
        });
        const group = await createGroup(db, deps.scrub({ groupType: input.group_type, name: input.name, description: input.description }));
        return c.redirect(`/groups/${group.id}`, 303);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return c.html(<GroupsPage groups={await groupsOfType()} error={error.message} />, error.status);
      }
    })
    .get('/groups/:id', async (c) => c.html(<GroupPage {...await groupView(idOf(c.req.param('id')))} />))
    .post('/groups/:id/members', async (c) => {
      const id = idOf(c.req.param('id'));
      const body = await readForm(c);
      const raw = field(body, 'call_ids').split(/[\s,]+/).filter(Boolean);
      const ids = raw.map(Number);
      let error: string | undefined;
      if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n <= 0)) error = 'call_ids: give call ids as whole numbers, comma separated';
      else {
        const found = await existingCallIds(db, ids);
        const missing = ids.filter((n) => !found.has(n));
        if (missing.length) error = `call_ids: calls ${missing.join(', ')} do not exist`;
        else await addGroupMembers(db, id, [...new Set(ids)], field(body, 'role') || undefined);
      }
      if (!error) return c.redirect(`/groups/${id}`, 303);
      return c.html(<GroupPage {...await groupView(id)} error={error} />, 400);
    })
    .get('/conversations', async (c) => c.html(<ConversationsPage providers={providerOptions(deps)} conversations={await conversations()} />))
    .post('/conversations', async (c) => {
      const body = await readForm(c);
      try {
        const input = parseWith(conversationBodySchema, {
          provider: field(body, 'provider'),
          ...(field(body, 'model') ? { model: field(body, 'model') } : {}),
          ...(field(body, 'system_prompt') ? { system_prompt: field(body, 'system_prompt') } : {}),
          ...(field(body, 'name') ? { name: field(body, 'name') } : {}),
        });
        const conversation = await createConversation(ctx, input);
        return c.redirect(`/conversations/${conversation.id}`, 303);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return c.html(<ConversationsPage providers={providerOptions(deps)} conversations={await conversations()} error={error.message} />, error.status);
      }
    })
    .get('/conversations/:id', async (c) => c.html(<ConversationPage conversation={await getConversation(ctx, idOf(c.req.param('id')))} />))
    .post('/conversations/:id/messages', async (c) => {
      const id = idOf(c.req.param('id'));
      const content = field(await readForm(c), 'content');
      if (!content) return c.html(<Chat conversation={await getConversation(ctx, id)} error="content: write a message" />, 400);
      const { conversation } = await sendMessage(ctx, id, { content });
      if (c.req.header('hx-request')) return c.html(<Chat conversation={conversation} />);
      return c.redirect(`/conversations/${id}`, 303);
    });
}
