// Node entry: `npm start` — embedded libSQL (migrated on start), pages and API on PORT (default 8787).
import { existsSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { createApp } from './app';
import { bootstrap } from './bootstrap';
import { nodeStaticAssets } from './static-assets';

if (existsSync('.env')) process.loadEnvFile('.env');
const deps = await bootstrap(process.env);
const app = createApp(deps, { staticAssets: nodeStaticAssets() });
const server = serve({ fetch: app.fetch, port: deps.config.port, hostname: deps.config.host }, (info) => {
  deps.logger.info({
    event: 'server_started',
    url: `http://${deps.config.host}:${info.port}`,
    database: deps.config.databaseUrl.startsWith('file:') ? deps.config.databaseUrl : '(remote libSQL)',
    providers: deps.providers.list().map((p) => p.name),
  });
});

const shutdown = () => {
  server.close();
  deps.database.close();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
