// Node wiring shared by the server entry, tests and benchmarks: config → database → deps.
import { loadConfig, type Config } from './config';
import { openDatabase } from './db/client';
import { migrateDatabase } from './db/migrate';
import { nativeCallInserter } from './db/native-call-inserter';
import { createDeps, type AppDeps } from './deps';
import { createLogger, type LoggerOptions } from './logging';
import { undiciRequestFetch } from './providers/node-fetch';
import { ProviderRegistry } from './providers/registry';

export async function bootstrap(
  env: Record<string, string | undefined>,
  options: { log?: LoggerOptions['write']; config?: Partial<Config> } = {},
): Promise<AppDeps> {
  const config = { ...loadConfig(env), ...options.config };
  const database = await openDatabase(config.databaseUrl, config.databaseAuthToken);
  await migrateDatabase(database.db);
  const nativeInsert = nativeCallInserter(config.databaseUrl);
  const closeClient = database.close;
  database.close = () => {
    nativeInsert?.close?.();
    closeClient();
  };
  return createDeps({
    config,
    database,
    providers: ProviderRegistry.fromConfig(config, { fetch: undiciRequestFetch() }),
    logger: createLogger({ write: options.log, secrets: config.secrets, logPrompts: config.logPrompts }),
    nativeInsert,
  });
}
