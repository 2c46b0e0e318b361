import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };
import type { AppDeps } from '../deps';
import { apiRouter, createRoute, errors, json } from './contract';

const healthSchema = z.strictObject({
  ok: z.boolean(),
  db: z.enum(['ok', 'unavailable']),
  version: z.string(),
});

const health = createRoute({
  method: 'get',
  path: '/',
  tags: ['System'],
  summary: 'Liveness and database check',
  responses: {
    200: json(healthSchema, 'The server and its database answer'),
    503: json(healthSchema, 'The database does not answer'),
    ...errors(),
  },
});

export function healthRoutes(deps: AppDeps) {
  return apiRouter().openapi(health, async (c) => {
    let db: 'ok' | 'unavailable' = 'ok';
    try {
      await deps.database.client.execute('SELECT 1');
    } catch {
      db = 'unavailable';
    }
    const body = { ok: db === 'ok', db, version: pkg.version };
    return db === 'ok' ? c.json(body, 200) : c.json(body, 503);
  });
}
