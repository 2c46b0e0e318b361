// What the app needs from the outside world; entries build it, tests build it over a temp database.
import type { Config } from './config';
import type { DatabaseHandle } from './db/client';
import type { Logger } from './logging';
import type { ProviderRegistry } from './providers/registry';
import type { InferenceContext } from './services/inference';

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  providers: ProviderRegistry;
  logger: Logger;
  redact: (text: string) => string;
}

export const inferenceContext = (deps: AppDeps): InferenceContext => ({
  db: deps.database.db,
  logger: deps.logger,
  retry: deps.config.retry,
  redact: deps.redact,
  providers: deps.providers,
});
