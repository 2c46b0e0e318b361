// Server-rendered pages (Hono JSX + htmx). Each feature keeps its page routes in its own folder (pages.tsx); this mounts them.
import { Hono } from 'hono';
import { totalCalls } from '../analytics/repository';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { HomePage } from '../../views/pages/home';
import { ErrorPage } from '../../views/pages/error';
import { ApiDocsPage } from '../../views/pages/api-docs';
import { analyticsPages } from '../analytics/pages';
import { callPages } from '../calls/pages';
import { embeddingPages } from '../embeddings/pages';
import { groupPages } from '../groups/pages';
import { inferencePages } from '../inference/pages';
import { studiesPages } from '../studies/pages';
import { clonePages } from '../studies/variants/clone-pages';
import { studyDriftPages } from '../studies/drift/pages';
import { API_BASE, OPENAPI_PATH } from '../api/index';
import { publicOrigin } from '../http/site-guards';
import type { AppEnv } from '../app-env';

export function pageRoutes(deps: AppDeps) {
  const pages = new Hono<AppEnv>()
    .get('/', async (c) => {
      const providers = deps.providers.list().map((p) => ({ name: p.name, label: p.label, models: p.models }));
      const gatewayUrl = `${publicOrigin(c, deps.config.exposure.trustedProxies.length > 0)}/v1`;
      return c.html(<HomePage providers={providers} callCount={await totalCalls(deps.database.db)} gatewayUrl={gatewayUrl} />);
    })
    .get('/api-docs', (c) => c.html(<ApiDocsPage documentUrl={`${API_BASE}${OPENAPI_PATH}`} />));
  pages.route('/', inferencePages(deps));
  pages.route('/', callPages(deps));
  pages.route('/', studiesPages(deps));
  pages.route('/', clonePages(deps));
  pages.route('/', studyDriftPages(deps));
  pages.route('/', groupPages(deps));
  pages.route('/', embeddingPages(deps));
  pages.route('/', analyticsPages(deps));
  pages.onError((error, c) => {
    if (error instanceof AppError) return c.html(<ErrorPage status={error.status} message={error.message} />, error.status);
    throw error;
  });
  return pages;
}
