// GET /api/v1/calls (the log, newest first, filtered) and GET /api/v1/calls/:id (one call whole).
import { z } from 'zod';
import { getCall, listCalls } from './repository';
import type { AppDeps } from '../deps';
import { notFound } from '../errors';
import { callJson, callSummaryJson } from './call-json';
import { apiRouter, createRoute, errors, json } from '../api/contract';
import { callSchema, callSummarySchema, nextCursor } from '../schemas/call-responses';
import { callFiltersOf, callsQuerySchema, idParamSchema } from '../schemas/requests';

const list = createRoute({
  method: 'get',
  path: '/',
  tags: ['Calls'],
  summary: 'Captured calls, newest first, filtered',
  request: { query: callsQuerySchema },
  responses: {
    200: json(z.strictObject({ calls: z.array(callSummarySchema), next_cursor: nextCursor }), 'A page of calls'),
    ...errors(400),
  },
});

const one = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['Calls'],
  summary: 'One call whole: request, response or error, tokens, cost, metadata',
  request: { params: idParamSchema },
  responses: { 200: json(z.strictObject({ call: callSchema }), 'The call'), ...errors(400, 404) },
});

export function callRoutes(deps: AppDeps) {
  const db = deps.database.db;
  return apiRouter()
    .openapi(list, async (c) => {
      const query = c.req.valid('query');
      const page = await listCalls(db, callFiltersOf(query), query.limit, query.cursor);
      return c.json({ calls: page.rows.map((row) => callSummaryJson(deps.scrub(row))), next_cursor: page.nextCursor }, 200);
    })
    .openapi(one, async (c) => {
      const { id } = c.req.valid('param');
      const row = await getCall(db, id);
      if (!row) throw notFound('call', id);
      return c.json({ call: callJson(deps.scrub(row)) }, 200);
    });
}
