import { Hono } from 'hono';
import pkg from '../../../package.json' with { type: 'json' };
import type { AppDeps } from '../../deps';
import type { AppEnv } from '../../app-env';

export function healthRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', async (c) => {
    let db = 'ok';
    try {
      await deps.database.client.execute('SELECT 1');
    } catch {
      db = 'unavailable';
    }
    return c.json({ ok: db === 'ok', db, version: pkg.version }, db === 'ok' ? 200 : 503);
  });
}
