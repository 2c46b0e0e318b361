// Node wiring shared by the server entry, tests and benchmarks: config → database → deps.
import { loadConfig, type Config } from './config';
import { localDatabasePath, openDatabase } from './db/client';
import { migrateDatabase } from './db/migrate';
import { nativeCallInserter } from './node/native-call-inserter';
import { startWalCheckpointer } from './node/wal-checkpointer';
import { createDeps, type AppDeps } from './deps';
import { createLogger, type LoggerOptions } from './logging';
import { undiciRequestFetch } from './node/node-fetch';
import { bufferedLineWriter } from './node/buffered-lines';
import { scrubSearchIndex } from './calls/scrub-search-index';
import { catchUpDerivedData } from './analytics/catch-up';
import { ProviderRegistry } from './providers/registry';

export async function bootstrap(
  env: Record<string, string | undefined>,
  options: { log?: LoggerOptions['write']; config?: Partial<Config> } = {},
): Promise<AppDeps> {
  const config = { ...loadConfig(env), ...options.config };
  const database = await openDatabase(config.databaseUrl, config.databaseAuthToken);
  await migrateDatabase(database.db);
  // Lines leave after the answers of their turn, many in one write (stdout writes block on Node).
  const logger = createLogger({ write: options.log ?? bufferedLineWriter(), secrets: config.secrets, logPrompts: config.logPrompts });
  // Rows captured but not yet in the search index (the last run stopped before folding them) go in
  // before the index is searched for secrets.
  await catchUpDerivedData(database.db);
  const scrubbed = await scrubSearchIndex(database.db, config.secrets);
  if (scrubbed) logger.info({ event: 'search_index_scrubbed', entries: scrubbed });
  const nativeInsert = nativeCallInserter(config.databaseUrl);
  const path = localDatabasePath(config.databaseUrl);
  const checkpointer = path
    ? startWalCheckpointer(path, (message) => logger.error({ event: 'wal_checkpoint_error', message }))
    : undefined;
  const closeClient = database.close;
  database.close = () => {
    deps.derived.stop();
    checkpointer?.close();
    nativeInsert?.close?.();
    closeClient();
  };
  const deps = createDeps({
    config,
    database,
    providers: ProviderRegistry.fromConfig(config, { fetch: undiciRequestFetch({ idleTimeoutMs: config.providerTimeoutMs }) }),
    logger,
    nativeInsert,
  });
  deps.derived.start();
  return deps;
}
