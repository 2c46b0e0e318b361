// Server-rendered pages (Hono JSX + htmx). Each area is its own sub-app under src/routes/pages/.
import { Hono } from 'hono';
import { totalCalls } from '../db/analytics-repository';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { HomePage } from '../../views/pages/home';
import { ErrorPage } from '../../views/pages/error';
import { ApiDocsPage } from '../../views/pages/api-docs';
import { analyticsPages } from './pages/analytics';
import { callPages } from './pages/calls';
import { embeddingPages } from './pages/embeddings';
import { groupPages } from './pages/groups';
import { inferencePages } from './pages/inference';
import { studiesPages } from './pages/studies';
import { API_BASE, OPENAPI_PATH } from './api/index';
import type { AppEnv } from '../app-env';

export function pageRoutes(deps: AppDeps) {
  const pages = new Hono<AppEnv>()
    .get('/', async (c) => {
      const providers = deps.providers.list().map((p) => ({ name: p.name, label: p.label, models: p.models }));
      return c.html(<HomePage providers={providers} callCount={await totalCalls(deps.database.db)} />);
    })
    .get('/api-docs', (c) => c.html(<ApiDocsPage documentUrl={`${API_BASE}${OPENAPI_PATH}`} />));
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
