// Node entry: `npm start` — embedded libSQL (migrated on start), pages and API on PORT (default 8787).
import { existsSync } from 'node:fs';
import { IncomingMessage, type Server } from 'node:http';
import { serve, type HttpBindings, type Http2Bindings } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createApp } from './app';
import { bootstrap } from './bootstrap';
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
const app = createApp(deps, {
  staticAssets: nodeStaticAssets(),
  peerAddress: (c) => getConnInfo(c).remote.address ?? 'unknown',
});
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
  stopping ? refuse() : deps.lifecycle.track(Promise.resolve(app.fetch(request, env)).then((response) => closeIfBodyUnread(response, env)));
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
