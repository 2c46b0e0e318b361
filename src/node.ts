// Node entry: `npm start` — embedded libSQL (migrated on start), pages and API on PORT (default 8787).
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createApp } from './app';
import { bootstrap } from './bootstrap';
import { errorBody } from './http/errors';
import { capConnectionsPerAddress, serverOptions } from './server-limits';
import { installShutdown } from './shutdown';
import { nodeStaticAssets } from './static-assets';

if (existsSync('.env')) process.loadEnvFile('.env');
const deps = await bootstrap(process.env);
const app = createApp(deps, {
  staticAssets: nodeStaticAssets(),
  peerAddress: (c) => getConnInfo(c).remote.address ?? 'unknown',
});
let stopping = false;
const refuse = () =>
  Response.json(errorBody('shutting_down', 'The server is shutting down; try again shortly'), { status: 503, headers: { connection: 'close' } });
// Every request counts as in flight until answered, so a shutdown never closes the database under one.
const handle = (request: Request, env: unknown) => (stopping ? refuse() : deps.lifecycle.track(Promise.resolve(app.fetch(request, env))));
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
installShutdown({ server, deps, refuseNewRequests: () => (stopping = true) });
