// A server of a Workers deployment, driven in Node: its own database connection, an in-memory queue
// standing in for Cloudflare Queues (study task messages and scoring page messages), and deliveries as
// the Workers runtime hands them to a consumer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { createDeps, type AppDeps } from '../../src/deps';
import { createLogger } from '../../src/logging';
import { ProviderRegistry } from '../../src/providers/registry';
import { QueueStudyExecutor, type StudyMessageBody } from '../../src/studies/runner/queue-executor';
import { QueueScoringExecutor, type ScoringMessageBody } from '../../src/studies/scoring/queue-scoring';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai';
import { startSqld, type Sqld } from './sqld';

/** Records what the executors send; `take` hands it on, as the queue delivers it. */
export class MemoryQueue {
  sent: Array<StudyMessageBody | ScoringMessageBody> = [];
  async sendBatch(messages: Iterable<{ body: StudyMessageBody | ScoringMessageBody }>) {
    for (const m of messages) this.sent.push(structuredClone(m.body));
  }
  take<T = StudyMessageBody>(n = Infinity): T[] {
    return this.sent.splice(0, n) as T[];
  }
}

export interface Delivery {
  body: unknown;
  acked: boolean;
  retried: boolean;
  ack(): void;
  retry(): void;
}

export const delivery = (body: unknown): Delivery => ({
  body,
  acked: false,
  retried: false,
  ack() {
    this.acked = true;
  },
  retry() {
    this.retried = true;
  },
});

export interface QueueServer {
  deps: AppDeps;
  app: ReturnType<typeof createApp>;
  queue: MemoryQueue;
}

/** A server on `env` (its DATABASE_URL, keys, provider URLs): studies run through its queue, and scoring too when asked. */
export async function queueServer(env: Record<string, string>, options: { migrate?: boolean; queueScoring?: boolean } = {}): Promise<QueueServer> {
  const config = loadConfig({ RETRY_MAX_ATTEMPTS: '1', ...env });
  const database = await openDatabase(config.databaseUrl, config.databaseAuthToken);
  if (options.migrate) await migrateDatabase(database.db);
  const queue = new MemoryQueue();
  const deps = createDeps({
    config,
    database,
    providers: ProviderRegistry.fromConfig(config),
    logger: createLogger({ write: () => undefined, secrets: config.secrets }),
    studies: (ctx) => new QueueStudyExecutor(ctx, queue),
    ...(options.queueScoring ? { scoring: (ctx, embeddings) => new QueueScoringExecutor(ctx, embeddings, queue) } : {}),
  });
  return { deps, app: createApp(deps), queue };
}

export interface QueueServerPair {
  sqld: Sqld;
  fake: FakeOpenAI;
  /** The first server, which migrated the database. */
  a: QueueServer;
  b: QueueServer;
  stop(): Promise<void>;
}

/** Two servers of one deployment on one libSQL server (sqld), calling one fake provider with `apiKey`. */
export async function queueServerPair(apiKey: string): Promise<QueueServerPair> {
  const dir = mkdtempSync(join(tmpdir(), 'study-queue-pair-'));
  const [sqld, fake] = await Promise.all([startSqld(dir), startFakeOpenAI()]);
  const server = (migrate = false) =>
    queueServer({ DATABASE_URL: sqld.url, DATABASE_AUTH_TOKEN: sqld.authToken, OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: fake.url }, { migrate });
  const a = await server(true);
  const b = await server();
  return {
    sqld,
    fake,
    a,
    b,
    async stop() {
      a.deps.database.close();
      b.deps.database.close();
      await Promise.all([sqld.close(), fake.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
