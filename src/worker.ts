// Workers entry: the same createApp over a remote libSQL (Turso) database. Migrations are applied
// before deploy with drizzle-kit (see README), not at request time.
import { createClient } from '@libsql/client/web';
import type { ExecutionContext } from 'hono';
import { createApp, type App } from './app';
import { loadConfig } from './config';
import { wrapClient } from './db/client';
import { createDeps } from './deps';
import { createLogger } from './logging';
import { ProviderRegistry } from './providers/registry';

type WorkerEnv = Record<string, unknown>;

let app: App | undefined;

function buildApp(env: WorkerEnv): App {
  const strings = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const config = loadConfig(strings);
  const database = wrapClient(createClient({ url: config.databaseUrl, authToken: config.databaseAuthToken }));
  return createApp(
    createDeps({
      config,
      database,
      providers: ProviderRegistry.fromConfig(config),
      logger: createLogger({ secrets: config.secrets, logPrompts: config.logPrompts }),
    }),
  );
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext) {
    app ??= buildApp(env);
    return app.fetch(request, env, ctx);
  },
};

