// Node entry: `npm start` — embedded libSQL (migrated on start), pages and API on PORT (default 8787).
import { existsSync } from 'node:fs';
import { IncomingMessage, type Server } from 'node:http';
import { serve, type HttpBindings, type Http2Bindings } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { App } from './app';
import { bootstrap } from './bootstrap';
import { API_BASE } from './api/paths';
import { healthRoutes } from './api/health';
import { gatewayRoutes } from './gateway/index';
import { createAppShell, type AppOptions } from './http/app-shell';
import { AuthThrottle } from './http/auth-throttle';
import { errorBody } from './http/errors';
import { capConnectionsPerAddress, serverOptions } from './node/server-limits';
import { installShutdown } from './node/shutdown';
import { lingerOnUnreadBody } from './node/linger';
import { nodeStaticAssets } from './node/static-assets';
import { startScheduleTimer } from './node/schedule-timer';
import { serviceContext } from './deps';
import { webhookTarget } from './studies/series/drift-webhook';
import { scheduledRunDrift } from './studies/series/drift-summary';

if (existsSync('.env')) process.loadEnvFile('.env');
const deps = await bootstrap(process.env);
const options: AppOptions = {
  staticAssets: nodeStaticAssets(),
  peerAddress: (c) => getConnInfo(c).remote.address ?? 'unknown',
  // One count of failed sign-ins for both apps below.
  authThrottle: new AuthThrottle(deps.config.exposure.authFailuresPerMinute),
};
const HEALTH_PATH = `${API_BASE}/health`;
/**
 * The gateway and health, behind the same middleware as the whole app: what a server used only as a
 * gateway ever runs. The whole app (API, pages, views, the OpenAPI document: some 4 MiB of heap) is
 * loaded on the first request for anything else, and answers everything but these from then on.
 */
const gatewayApp = createAppShell(deps, options, (app) => {
  app.route(HEALTH_PATH, healthRoutes(deps));
  app.route('/v1', gatewayRoutes(deps));
});
let wholeApp: Promise<App> | undefined;
const loadWholeApp = () =>
  (wholeApp ??= import('./app').then(
    ({ createApp }) => createApp(deps, options),
    (error) => {
      wholeApp = undefined;
      throw error;
    },
  ));
/** The request's path, read from its URL without parsing it (hot: every request). */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  const end = url.indexOf('?', start);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}
const servedByGateway = (request: Request) => {
  const path = pathOf(request.url);
  return path.startsWith('/v1/') || (path === HEALTH_PATH && (request.method === 'GET' || request.method === 'HEAD'));
};
const answer = (request: Request, env: NodeBindings): Response | Promise<Response> =>
  servedByGateway(request) ? gatewayApp.fetch(request, env) : loadWholeApp().then((app) => app.fetch(request, env));
type NodeBindings = HttpBindings | Http2Bindings;
let stopping = false;
/**
 * A request refused before its body was read to the end (a 400 on a broken multipart body, a 413)
 * leaves the rest of that body on the connection, where it would be read as the next request: the
 * answer closes the connection instead, so a keep-alive client opens a clean one — after the rest of
 * the body has been read and dropped (see node/linger.ts), so the client reads the answer.
 */
function closeIfBodyUnread(response: Response, env: NodeBindings): Response {
  if (env.incoming.complete) return response;
  if (env.incoming instanceof IncomingMessage) lingerOnUnreadBody(env.incoming);
  try {
    response.headers.set('connection', 'close');
    return response;
  } catch {
    const headers = new Headers(response.headers);
    headers.set('connection', 'close');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}
const refuse = () =>
  Response.json(errorBody('shutting_down', 'The server is shutting down; try again shortly'), { status: 503, headers: { connection: 'close' } });
// Every request counts as in flight until answered, so a shutdown never closes the database under one.
const handle = (request: Request, env: NodeBindings) =>
  stopping ? refuse() : deps.lifecycle.track(Promise.resolve(answer(request, env)).then((response) => closeIfBodyUnread(response, env)));
const server = serve(
  { fetch: handle, port: deps.config.port, hostname: deps.config.host, serverOptions: serverOptions(deps.config.server) },
  (info) => {
    deps.logger.info({
      event: 'server_started',
      url: `http://${deps.config.host}:${info.port}`,
      pid: process.pid,
      database: deps.config.databaseUrl.startsWith('file:') ? deps.config.databaseUrl : '(remote libSQL)',
      providers: deps.providers.list().map((p) => p.name),
    });
  },
);

capConnectionsPerAddress(server as Server, deps.config.server, (address) =>
  deps.logger.error({ event: 'connection_refused', address, reason: 'too many connections from this address' }),
);
const schedules = startScheduleTimer(
  { ctx: serviceContext(deps), scoring: deps.scoring, driftSummary: scheduledRunDrift(deps.database.db), webhook: webhookTarget(deps.config.schedules) },
  { everyMs: deps.config.schedules.checkEveryMs },
);
installShutdown({ server, deps, refuseNewRequests: () => (stopping = true), stopTimers: () => schedules.stop() });
