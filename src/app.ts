// createApp(deps): the whole Hono app, the same on Node and Workers. No I/O at import time.
import { Hono, type Context } from 'hono';
import { requestId } from 'hono/request-id';
import type { AppDeps } from './deps';
import { limitBody } from './http/body-limit';
import { errorBody, handleError } from './http/errors';
import { requestLog } from './http/request-log';
import { accessControl, type AccessGate } from './http/access';
import { AuthThrottle } from './http/auth-throttle';
import { clientAddressBehind } from './http/client-address';
import { pageGuards, pageSecureHeaders } from './http/page-guards';
import { corsForConfiguredOrigins, crossSiteGuard, hostAllowlist } from './http/site-guards';
import { API_BASE, apiRoutes, STUDIES_ALIAS_PATH, STUDIES_PATH } from './api/index';
import { gatewayRoutes } from './gateway/index';
import { loginRoutes } from './http/login';
import { pageRoutes } from './pages';
import type { AppEnv } from './app-env';

export const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** A study carries its whole item list in one request. */
export const MAX_STUDY_BODY_BYTES = 32 * 1024 * 1024;

export interface AppOptions {
  /** Serves /static/* (htmx, stylesheet); Node reads node_modules, Workers use static assets. */
  staticAssets?: Hono<AppEnv>;
  /** Workers: refuse to serve data (503) while STUDY_ACCESS_TOKEN is not configured. */
  requireAccessToken?: boolean;
  /**
   * The address a request came from, for throttling failed sign-ins (behind a proxy in TRUST_PROXY, the
   * client is read from X-Forwarded-For). Node passes the connection's; the default reads Cloudflare's
   * CF-Connecting-IP, which only Cloudflare can set.
   */
  peerAddress?: (c: Context<AppEnv>) => string;
}

const cloudflarePeerAddress = (c: Context<AppEnv>) => c.req.header('cf-connecting-ip') ?? 'unknown';

export function createApp(deps: AppDeps, options: AppOptions = {}) {
  const app = new Hono<AppEnv>();
  const peerAddress = options.peerAddress ?? cloudflarePeerAddress;
  const clientBehind = clientAddressBehind(deps.config.exposure.trustedProxies);
  const gate: AccessGate = {
    token: deps.config.accessToken,
    requireToken: options.requireAccessToken,
    db: deps.database.db,
    throttle: new AuthThrottle(deps.config.exposure.authFailuresPerMinute),
    clientAddress: (c) => clientBehind(peerAddress(c), c.req.header('x-forwarded-for')),
  };
  app.use(requestId());
  app.use(requestLog(deps.logger));
  app.use(hostAllowlist(deps.config.exposure, deps.config.host));
  app.use(pageSecureHeaders());
  app.use('/api/*', corsForConfiguredOrigins(deps.config.exposure));
  app.use('/v1/*', corsForConfiguredOrigins(deps.config.exposure));
  app.use(crossSiteGuard(deps.config.exposure));
  app.use(accessControl(gate));
  // Study uploads (/studies) carry a whole item file, like POST /api/v1/studies.
  app.use(pageGuards({ maxBodyBytes: (path) => (path.startsWith('/studies') ? MAX_STUDY_BODY_BYTES : MAX_BODY_BYTES) }));
  const apiBodyLimit = (maxSize: number) =>
    limitBody(maxSize, (c) => c.json(errorBody('payload_too_large', `Request body is larger than ${maxSize} bytes`), 413));
  const studyBodyLimit = apiBodyLimit(MAX_STUDY_BODY_BYTES);
  const defaultBodyLimit = apiBodyLimit(MAX_BODY_BYTES);
  const studyCreatePaths = new Set([STUDIES_PATH, STUDIES_ALIAS_PATH].flatMap((path) => [`${API_BASE}${path}`, `${API_BASE}${path}/estimate`]));
  app.use('/api/*', (c, next) => (studyCreatePaths.has(c.req.path) ? studyBodyLimit : defaultBodyLimit)(c, next));
  app.onError(handleError(deps.logger, deps.redact));
  app.notFound((c) => c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}`), 404));

  app.route('/', apiRoutes(deps).api);
  app.route('/v1', gatewayRoutes(deps));
  if (options.staticAssets) app.route('/static', options.staticAssets);
  // Browsers ask for it on every page that names no icon (JSON opened in a tab, say).
  app.get('/favicon.ico', (c) => c.redirect('/static/favicon.svg', 301));
  app.route('/', loginRoutes(gate));
  app.route('/', pageRoutes(deps));
  return app;
}

export type App = ReturnType<typeof createApp>;
