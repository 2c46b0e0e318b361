import { Hono } from 'hono';
import {
  addGroupMembers,
  createGroup,
  existingCallIds,
  getGroup,
  groupMembersPage,
  groupTargetSummary,
  listGroups,
} from '../../db/groups-repository';
import type { AppDeps } from '../../deps';
import { AppError, notFound } from '../../errors';
import { validate } from '../../http/validation';
import { assertCreatableGroupType, assertOpenGroup } from '../../services/groups';
import { groupBodySchema, groupDetailQuerySchema, groupMembersBodySchema, groupsQuerySchema, idParamSchema } from './schemas';
import type { AppEnv } from '../../app-env';

const groupJson = (g: { id: number; groupType: string; name: string; description: string | null; metadataJson: unknown; createdAt: string }) => ({
  id: g.id,
  group_type: g.groupType,
  name: g.name,
  description: g.description,
  metadata: g.metadataJson,
  created_at: g.createdAt,
});

export function groupRoutes(deps: AppDeps) {
  const db = deps.database.db;
  return new Hono<AppEnv>()
    .post('/', validate('json', groupBodySchema), async (c) => {
      const body = c.req.valid('json');
      assertCreatableGroupType(body.group_type);
      const group = await createGroup(db, { groupType: body.group_type, name: body.name, description: body.description, metadata: body.metadata });
      return c.json({ group: groupJson(group) }, 201);
    })
    .get('/', validate('query', groupsQuerySchema), async (c) => {
      const { limit, cursor, ...filters } = c.req.valid('query');
      const page = await listGroups(db, filters, limit, cursor);
      return c.json({
        groups: page.rows.map((g) => ({
          id: g.id,
          group_type: g.group_type,
          name: g.name,
          description: g.description,
          metadata: JSON.parse(g.metadata_json),
          created_at: g.created_at,
          members: g.members,
        })),
        next_cursor: page.nextCursor,
      });
    })
    .get('/:id', validate('param', idParamSchema), validate('query', groupDetailQuerySchema), async (c) => {
      const { id } = c.req.valid('param');
      const { members_limit, members_after } = c.req.valid('query');
      const group = await getGroup(db, id);
      if (!group) throw notFound('group', id);
      const members = await groupMembersPage(db, id, members_after, members_limit);
      const last = members[members.length - 1];
      return c.json({
        group: groupJson(group),
        summary: await groupTargetSummary(db, id),
        members,
        next_members_after: members.length === members_limit && last ? (last.position ?? null) : null,
      });
    })
    .post('/:id/members', validate('param', idParamSchema), validate('json', groupMembersBodySchema), async (c) => {
      const { id } = c.req.valid('param');
      const { call_ids, role } = c.req.valid('json');
      const group = await getGroup(db, id);
      if (!group) throw notFound('group', id);
      assertOpenGroup(group);
      const unique = [...new Set(call_ids)];
      const found = await existingCallIds(db, unique);
      const missing = unique.filter((callId) => !found.has(callId));
      if (missing.length) {
        throw new AppError(404, 'not_found', `call_ids: calls ${missing.slice(0, 10).join(', ')} do not exist`, [
          { path: 'call_ids', message: `unknown call ids: ${missing.slice(0, 50).join(', ')}` },
        ]);
      }
      await addGroupMembers(db, id, unique, role);
      return c.json({ group_id: id, added: unique.length }, 201);
    });
}
