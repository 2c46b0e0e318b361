import { Hono } from 'hono';
import { count } from 'drizzle-orm';
import { rawCalls } from '../db/schema';
import type { AppDeps } from '../deps';
import { HomePage } from '../../views/pages/home';

export function pageRoutes(deps: AppDeps) {
  return new Hono().get('/', async (c) => {
    const [row] = await deps.database.db.select({ n: count() }).from(rawCalls);
    const providers = deps.providers.list().map((p) => ({ name: p.name, label: p.label, models: p.models }));
    return c.html(<HomePage providers={providers} callCount={row?.n ?? 0} />);
  });
}
