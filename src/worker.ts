// Workers entry: the same createApp over a remote libSQL (Turso) database, with studies run and scored
// through a Cloudflare Queue (`queue()` below is its consumer). Migrations are applied before deploy
// (`npm run db:migrate` against the Turso URL, see README), not at request time.
import { createClient } from '@libsql/client/web';
import { drizzle } from 'drizzle-orm/libsql/web';
import type { ExecutionContext } from 'hono';
import { createApp, type App } from './app';
import { ConfigError, loadConfig } from './config';
import type { DatabaseHandle } from './db/client';
import * as schema from './db/schema';
import { createDeps, serviceContext, type AppDeps } from './deps';
import { createLogger } from './logging';
import { ProviderRegistry } from './providers/registry';
import { consumeStudyMessages, QueueStudyExecutor, type StudyQueueMessage, type StudyQueueProducer } from './studies/runner/queue-executor';
import { runScheduledWork } from './studies/series/scheduler';
import { webhookTarget } from './studies/series/drift-webhook';
import { scheduledRunDrift } from './studies/series/drift-summary';
import { consumeScoringMessages, isScoringMessage, QueueScoringExecutor, type ScoringQueueProducer } from './studies/scoring/queue-scoring';

/** Bindings and vars from wrangler.toml (and secrets set with `wrangler secret put`). */
export interface WorkerEnv {
  /** The queue studies run and are scored through (the binding keeps its name from when studies were called batches). */
  BATCH_QUEUE?: StudyQueueProducer & ScoringQueueProducer;
  [name: string]: unknown;
}

interface Built {
  app: App;
  deps: AppDeps;
}

let built: Built | undefined;

/**
 * A background derived-data run folds at most this many steps (128 rows each, one database round trip
 * apiece) per invocation, well inside a Workers invocation's subrequest limit; a backlog is folded
 * over the following requests and cron runs. A search still catches up fully first.
 */
const WORKER_CATCH_UP_STEPS = 16;

function build(env: WorkerEnv): Built {
  const strings = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const loaded = loadConfig(strings);
  // Cloudflare routes by host name, so DNS rebinding cannot reach a worker: any Host is fine unless listed.
  const config = loaded.exposure.allowedHosts.length ? loaded : { ...loaded, exposure: { ...loaded.exposure, allowedHosts: ['*'] } };
  const client = createClient({ url: config.databaseUrl, authToken: config.databaseAuthToken });
  const database: DatabaseHandle = { client, db: drizzle(client, { schema }), close: () => client.close() };
  const deps = createDeps({
    config,
    database,
    providers: ProviderRegistry.fromConfig(config),
    logger: createLogger({ secrets: config.secrets, logPrompts: config.logPrompts }),
    studies: (ctx) => new QueueStudyExecutor(ctx, env.BATCH_QUEUE),
    scoring: (ctx, embeddings) => new QueueScoringExecutor(ctx, embeddings, env.BATCH_QUEUE),
    catchUpSteps: WORKER_CATCH_UP_STEPS,
  });
  // Without STUDY_ACCESS_TOKEN a deployed worker would be open to anyone: it serves only health then.
  return { app: createApp(deps, { requireAccessToken: true }), deps };
}

function builtFor(env: WorkerEnv): Built {
  built ??= build(env);
  return built;
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext) {
    try {
      const { app, deps } = builtFor(env);
      const response = app.fetch(request, env, ctx);
      // After the answer, fold captured rows into the search index and the rollups (at most once a
      // second per isolate; the cron below covers quiet times).
      ctx.waitUntil(Promise.resolve(response).then(() => deps.derived.runIfDue(), () => undefined));
      return response;
    } catch (error) {
      // Configuration errors name the variable, never its value.
      if (error instanceof ConfigError) return new Response(`${error.message}\n`, { status: 500 });
      throw error;
    }
  },

  async queue(delivery: { messages: readonly StudyQueueMessage[] }, env: WorkerEnv) {
    const { deps } = builtFor(env);
    const scoring = delivery.messages.filter((message) => isScoringMessage(message.body));
    const tasks = delivery.messages.filter((message) => !isScoringMessage(message.body));
    await Promise.all([consumeStudyMessages(serviceContext(deps), tasks), consumeScoringMessages(deps.scoring, scoring)]);
    await deps.derived.runIfDue();
  },

  /**
   * The Cron Trigger ([triggers] in wrangler.toml): the derived-data catch-up, whatever the traffic;
   * then starts due scheduled studies through the queue and checks finished ones.
   */
  async scheduled(controller: { scheduledTime: number }, env: WorkerEnv, ctx: ExecutionContext) {
    const { deps } = builtFor(env);
    ctx.waitUntil(deps.derived.runSome().then(() => undefined));
    const work = { ctx: serviceContext(deps), scoring: deps.scoring, driftSummary: scheduledRunDrift(deps.database.db), webhook: webhookTarget(deps.config.schedules), keep: (w: Promise<unknown>) => ctx.waitUntil(w) };
    const done = await runScheduledWork(work, new Date(Math.max(controller.scheduledTime, Date.now())));
    deps.logger.info({ event: 'schedule_check', started: done.started.length, checked: done.checked.length });
  },
};
