// /api/v1/groups: experiments and labels over captured calls (studies and conversations are groups too).
import { z } from 'zod';
import {
  addGroupMembers,
  createGroup,
  existingCallIds,
  getGroup,
  groupMembersPage,
  groupTargetSummary,
  listGroups,
} from './repository';
import type { AppDeps } from '../deps';
import { AppError, notFound } from '../errors';
import { assertCreatableGroupType, assertOpenGroup } from './service';
import { groupBodySchema, groupDetailQuerySchema, groupMembersBodySchema, groupsQuerySchema, idParamSchema } from '../schemas/requests';
import { apiRouter, createRoute, errors, json, jsonBody, jsonObject } from '../api/contract';
import { nextCursor } from '../schemas/call-responses';

const groupJson = (g: { id: number; groupType: string; name: string; description: string | null; metadataJson: Record<string, unknown>; createdAt: string }) => ({
  id: g.id,
  group_type: g.groupType,
  name: g.name,
  description: g.description,
  metadata: g.metadataJson,
  created_at: g.createdAt,
});

const groupFields = {
  id: z.int(),
  group_type: z.string().meta({ description: 'experiment, label, batch (a study: see /api/v1/studies), conversation, judge, …' }),
  name: z.string(),
  description: z.string().nullable(),
  metadata: jsonObject,
  created_at: z.string(),
};
const groupSchema = z.strictObject(groupFields).meta({ id: 'Group' });

const routes = {
  create: createRoute({
    method: 'post',
    path: '/',
    tags: ['Groups'],
    summary: 'Create a group (study, conversation and judge groups are made by their own endpoints)',
    request: { body: jsonBody(groupBodySchema) },
    responses: { 201: json(z.strictObject({ group: groupSchema }), 'The group'), ...errors(400, 415) },
  }),
  list: createRoute({
    method: 'get',
    path: '/',
    tags: ['Groups'],
    summary: 'Groups, newest first, with their member counts',
    request: { query: groupsQuerySchema },
    responses: {
      200: json(z.strictObject({ groups: z.array(z.strictObject({ ...groupFields, members: z.int() })), next_cursor: nextCursor }), 'A page of groups'),
      ...errors(400),
    },
  }),
  one: createRoute({
    method: 'get',
    path: '/{id}',
    tags: ['Groups'],
    summary: 'A group, its per provider/model summary and a page of its members (in position order)',
    request: { params: idParamSchema, query: groupDetailQuerySchema },
    responses: {
      200: json(
        z.strictObject({
          group: groupSchema,
          summary: z.array(
            z.strictObject({
              provider: z.string(),
              model: z.string(),
              calls: z.int(),
              success: z.int(),
              failed: z.int(),
              avg_latency_ms: z.number().nullable(),
              total_tokens: z.int().nullable(),
              cost_usd: z.number().nullable(),
            }),
          ),
          members: z.array(
            z.strictObject({
              call_id: z.int(),
              position: z.int().nullable(),
              role: z.string().nullable(),
              added_at: z.string(),
              provider: z.string(),
              model: z.string(),
              status: z.string(),
              latency_ms: z.number().nullable(),
              created_at: z.string(),
            }),
          ),
          next_members_after: z.int().nullable().meta({ description: 'Pass as members_after for the next page; null on the last' }),
        }),
        'The group',
      ),
      ...errors(400, 404),
    },
  }),
  addMembers: createRoute({
    method: 'post',
    path: '/{id}/members',
    tags: ['Groups'],
    summary: 'Add captured calls to a group (a call already in it keeps its place)',
    request: { params: idParamSchema, body: jsonBody(groupMembersBodySchema) },
    responses: {
      201: json(z.strictObject({ group_id: z.int(), added: z.int() }), 'Added'),
      ...errors(400, 404, 409, 415),
    },
  }),
};

export function groupRoutes(deps: AppDeps) {
  const db = deps.database.db;
  return apiRouter()
    .openapi(routes.create, async (c) => {
      const body = c.req.valid('json');
      assertCreatableGroupType(body.group_type);
      const group = await createGroup(db, deps.scrub({ groupType: body.group_type, name: body.name, description: body.description, metadata: body.metadata }));
      return c.json({ group: groupJson(group) }, 201);
    })
    .openapi(routes.list, async (c) => {
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
      }, 200);
    })
    .openapi(routes.one, async (c) => {
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
      }, 200);
    })
    .openapi(routes.addMembers, async (c) => {
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
