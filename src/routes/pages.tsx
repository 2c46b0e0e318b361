// Server-rendered pages (Hono JSX + htmx). Each area is its own sub-app under src/routes/pages/.
import { Hono } from 'hono';
import { count } from 'drizzle-orm';
import { rawCalls } from '../db/schema';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { HomePage } from '../../views/pages/home';
import { ErrorPage } from '../../views/pages/error';
import { analyticsPages } from './pages/analytics';
import { callPages } from './pages/calls';
import { embeddingPages } from './pages/embeddings';
import { groupPages } from './pages/groups';
import { inferencePages } from './pages/inference';
import { studiesPages } from './pages/studies';
import type { AppEnv } from '../app-env';

export function pageRoutes(deps: AppDeps) {
  const pages = new Hono<AppEnv>().get('/', async (c) => {
    const [row] = await deps.database.db.select({ n: count() }).from(rawCalls);
    const providers = deps.providers.list().map((p) => ({ name: p.name, label: p.label, models: p.models }));
    return c.html(<HomePage providers={providers} callCount={row?.n ?? 0} />);
  });
  pages.route('/', inferencePages(deps));
  pages.route('/', callPages(deps));
  pages.route('/', studiesPages(deps));
  pages.route('/', groupPages(deps));
  pages.route('/', embeddingPages(deps));
  pages.route('/', analyticsPages(deps));
  pages.onError((error, c) => {
    if (error instanceof AppError) return c.html(<ErrorPage status={error.status} message={error.message} />, error.status);
    throw error;
  });
  return pages;
}
