// The JSON API under /api/v1: every route declares its contract, and the OpenAPI document is built
// from those declarations, so it cannot leave a route out or describe one the code no longer has.
import pkg from '../../package.json' with { type: 'json' };
import type { AppDeps } from '../deps';
import { analyticsRoutes, priceRoutes, searchRoutes } from '../analytics/routes';
import { studyRoutes } from '../studies/routes';
import { callScoreRoutes } from '../studies/scoring/label-routes';
import { callRoutes } from '../calls/routes';
import { apiRouter, deprecatedAlias } from './contract';
import { conversationRoutes } from '../conversations/routes';
import { embeddingRoutes } from '../embeddings/routes';
import { exportRoutes } from '../calls/export-routes';
import { groupRoutes } from '../groups/routes';
import { healthRoutes } from './health';
import { inferenceRoutes } from '../inference/routes';
import { providerRoutes } from './providers';
import { studyReportRoutes } from '../studies/report-routes';
import { cloneRoutes } from '../studies/variants/clone-routes';
import { studyBudgetRoutes } from '../studies/budget/routes';
import { studyDriftRoutes } from '../studies/drift/routes';
import { seriesRoutes } from '../studies/series/routes';

export const API_BASE = '/api/v1';
export const OPENAPI_PATH = '/openapi.json';
/** Studies, and the name they were first served under (kept answering, documented as deprecated). */
export const STUDIES_PATH = '/studies';
export const STUDIES_ALIAS_PATH = '/batches';

const DESCRIPTION = [
  'Every LLM call captured, success or failure. Errors are `{error: {code, message, details?}}`.',
  'The OpenAI-compatible gateway (`/v1/chat/completions`, `/v1/responses`, `/v1/completions`, `/v1/embeddings`) speaks',
  "OpenAI's own API and is described by OpenAI's document.",
  'With STUDY_ACCESS_TOKEN set, send `Authorization: Bearer <token>` (or sign in for a session cookie).',
].join(' ');

export function apiRoutes(deps: AppDeps) {
  const studies = apiRouter().route('/', studyBudgetRoutes(deps)).route('/', studyRoutes(deps)).route('/', studyReportRoutes(deps)).route('/', cloneRoutes(deps)).route('/', studyDriftRoutes(deps)).route('/', seriesRoutes(deps));
  const api = apiRouter()
    .basePath(API_BASE)
    .route('/health', healthRoutes(deps))
    .route('/providers', providerRoutes(deps))
    .route('/inference', inferenceRoutes(deps))
    // Before /calls, whose /{id} would otherwise take "export" for an id.
    .route('/calls/export', exportRoutes(deps))
    .route('/calls', callScoreRoutes(deps))
    .route('/calls', callRoutes(deps))
    .route('/groups', groupRoutes(deps))
    .route(STUDIES_PATH, studies)
    .route(STUDIES_ALIAS_PATH, deprecatedAlias(studies, `${API_BASE}${STUDIES_PATH}`))
    .route('/conversations', conversationRoutes(deps))
    .route('/embeddings', embeddingRoutes(deps))
    .route('/analytics', analyticsRoutes(deps))
    .route('/search', searchRoutes(deps))
    .route('/prices', priceRoutes(deps));
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  let document: ReturnType<typeof api.getOpenAPI31Document> | undefined;
  const openApiDocument = () =>
    (document ??= api.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'Study Query LLM API', version: pkg.version, description: DESCRIPTION },
      security: deps.config.accessToken ? [{ bearer: [] }] : [],
    }));
  api.get(OPENAPI_PATH, (c) => c.json(openApiDocument()));
  return { api, openApiDocument };
}
