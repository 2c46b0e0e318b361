import { Hono } from 'hono';
import { getCall, listCalls } from '../../db/calls-repository';
import type { AppDeps } from '../../deps';
import { notFound } from '../../errors';
import { validate } from '../../http/validation';
import { callJson, callSummaryJson } from './call-json';
import { callsQuerySchema, idParamSchema } from './schemas';
import type { AppEnv } from '../../app-env';

export function callRoutes(deps: AppDeps) {
  const db = deps.database.db;
  return new Hono<AppEnv>()
    .get('/', validate('query', callsQuerySchema), async (c) => {
      const { limit, cursor, group_id, request_id, ...filters } = c.req.valid('query');
      const page = await listCalls(db, { ...filters, groupId: group_id, requestId: request_id }, limit, cursor);
      return c.json({ calls: page.rows.map((row) => callSummaryJson(deps.scrub(row))), next_cursor: page.nextCursor });
    })
    .get('/:id', validate('param', idParamSchema), async (c) => {
      const { id } = c.req.valid('param');
      const row = await getCall(db, id);
      if (!row) throw notFound('call', id);
      return c.json({ call: callJson(deps.scrub(row)) });
    });
}
