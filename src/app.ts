// createApp(deps): the whole Hono app, the same on Node and Workers. No I/O at import time.
import { Hono, type Context } from 'hono';
import { requestId } from 'hono/request-id';
import type { AppDeps } from './deps';
import { limitBody } from './http/body-limit';
import { errorBody, handleError } from './http/errors';
import { requestLog } from './http/request-log';
import { accessControl, type AccessGate } from './http/access';
import { AuthThrottle } from './http/auth-throttle';
import { pageGuards, pageSecureHeaders } from './http/page-guards';
import { corsForConfiguredOrigins, crossSiteGuard, hostAllowlist } from './http/site-guards';
import { analyticsRoutes, priceRoutes, searchRoutes } from './routes/api/analytics';
import { batchRoutes } from './routes/api/batches';
import { callScoreRoutes } from './routes/api/call-scores';
import { callRoutes } from './routes/api/calls';
import { conversationRoutes } from './routes/api/conversations';
import { embeddingRoutes } from './routes/api/embeddings';
import { exportRoutes } from './routes/api/export';
import { groupRoutes } from './routes/api/groups';
import { healthRoutes } from './routes/api/health';
import { inferenceRoutes } from './routes/api/inference';
import { openApiRoutes } from './routes/api/openapi';
import { providerRoutes } from './routes/api/providers';
import { studyRoutes } from './routes/api/study';
import { gatewayRoutes } from './routes/gateway';
import { loginRoutes } from './routes/login';
import { pageRoutes } from './routes/pages';

export const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Batches carry their whole item list in one request. */
export const MAX_BATCH_BODY_BYTES = 32 * 1024 * 1024;

export interface AppOptions {
  /** Serves /static/* (htmx, stylesheet); Node reads node_modules, Workers use static assets. */
  staticAssets?: Hono;
  /** Workers: refuse to serve data (503) while STUDY_ACCESS_TOKEN is not configured. */
  requireAccessToken?: boolean;
  /**
   * The client's address, for throttling failed sign-ins. Node passes the connection's; the default
   * reads Cloudflare's CF-Connecting-IP, which only Cloudflare can set.
   */
  clientAddress?: (c: Context) => string;
}

const cloudflareClientAddress = (c: Context) => c.req.header('cf-connecting-ip') ?? 'unknown';

export function createApp(deps: AppDeps, options: AppOptions = {}) {
  const app = new Hono();
  const gate: AccessGate = {
    token: deps.config.accessToken,
    requireToken: options.requireAccessToken,
    db: deps.database.db,
    throttle: new AuthThrottle(deps.config.exposure.authFailuresPerMinute),
    clientAddress: options.clientAddress ?? cloudflareClientAddress,
  };
  app.use(requestId());
  app.use(requestLog(deps.logger));
  app.use(hostAllowlist(deps.config.exposure, deps.config.host));
  app.use(pageSecureHeaders());
  app.use('/api/*', corsForConfiguredOrigins(deps.config.exposure));
  app.use('/v1/*', corsForConfiguredOrigins(deps.config.exposure));
  app.use(crossSiteGuard(deps.config.exposure));
  app.use(accessControl(gate));
  // Study uploads (/studies) carry a whole item file, like POST /api/v1/batches.
  app.use(pageGuards({ maxBodyBytes: (path) => (path.startsWith('/studies') ? MAX_BATCH_BODY_BYTES : MAX_BODY_BYTES) }));
  const apiBodyLimit = (maxSize: number) =>
    limitBody(maxSize, (c) => c.json(errorBody('payload_too_large', `Request body is larger than ${maxSize} bytes`), 413));
  const batchBodyLimit = apiBodyLimit(MAX_BATCH_BODY_BYTES);
  const defaultBodyLimit = apiBodyLimit(MAX_BODY_BYTES);
  app.use('/api/*', (c, next) => (c.req.path === '/api/v1/batches' ? batchBodyLimit : defaultBodyLimit)(c, next));
  app.onError(handleError(deps.logger, deps.redact));
  app.notFound((c) => c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}`), 404));

  app.route('/api/v1/health', healthRoutes(deps));
  app.route('/api/v1/providers', providerRoutes(deps));
  app.route('/api/v1/inference', inferenceRoutes(deps));
  // Before /api/v1/calls, whose /:id would otherwise take "export" for an id.
  app.route('/api/v1/calls/export', exportRoutes(deps));
  app.route('/api/v1/calls', callScoreRoutes(deps));
  app.route('/api/v1/calls', callRoutes(deps));
  app.route('/api/v1/groups', groupRoutes(deps));
  app.route('/api/v1/batches', batchRoutes(deps));
  app.route('/api/v1/batches', studyRoutes(deps));
  app.route('/api/v1/conversations', conversationRoutes(deps));
  app.route('/api/v1/embeddings', embeddingRoutes(deps));
  app.route('/api/v1/analytics', analyticsRoutes(deps));
  app.route('/api/v1/search', searchRoutes(deps));
  app.route('/api/v1/prices', priceRoutes(deps));
  app.route('/api/v1/openapi.json', openApiRoutes());
  app.route('/v1', gatewayRoutes(deps));
  if (options.staticAssets) app.route('/static', options.staticAssets);
  app.route('/', loginRoutes(gate));
  app.route('/', pageRoutes(deps));
  return app;
}

export type App = ReturnType<typeof createApp>;
