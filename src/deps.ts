// What the app needs from the outside world; entries build it, tests build it over a temp database.
import type { Config } from './config';
import { CallWriter } from './capture/call-writer';
import type { DatabaseHandle } from './db/client';
import type { CallInserter } from './node/native-call-inserter';
import { createRedactor, type Logger } from './logging';
import type { ProviderRegistry } from './providers/registry';
import { InProcessBatchExecutor, type BatchExecutor } from './studies/runner/runner';
import { EmbeddingService } from './embeddings/service';
import type { BatchContext } from './studies/service';
import { InflightRequests } from './concurrency/inflight';
import { KeyedLock } from './concurrency/keyed-lock';
import type { ConversationContext } from './conversations/service';
import { Lifecycle } from './capture/lifecycle';
import { PriceBook } from './analytics/price-book';
import { DerivedDataCatchUp } from './analytics/catch-up';
import { ScoringRunner } from './studies/scoring/service';
import { secretScrubber, type SecretScrubber } from './capture/scrub-secrets';

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  providers: ProviderRegistry;
  logger: Logger;
  redact: (text: string) => string;
  /** Removes configured secrets from data (provider answers) before it is stored, relayed or shown. */
  scrub: SecretScrubber;
  inflight: InflightRequests;
  locks: KeyedLock;
  writer: CallWriter;
  prices: PriceBook;
  batches: BatchExecutor;
  /** Provider calls in flight; a stopping server waits for them, then cancels the rest. */
  lifecycle: Lifecycle;
  /** One per app: the API, the pages and the gateway share its deployment memo and index handles. */
  embeddings: EmbeddingService;
  /** Runs study scorers in the background. */
  scoring: ScoringRunner;
  /** Folds captured rows into the search index and the analytics rollups, behind the watermark. */
  derived: DerivedDataCatchUp;
}

export type ServiceContext = BatchContext & ConversationContext;

export function createDeps(
  parts: Pick<AppDeps, 'config' | 'database' | 'providers' | 'logger'> & {
    batches?: (ctx: Omit<ServiceContext, 'batches'>) => BatchExecutor;
    nativeInsert?: CallInserter;
  },
): AppDeps {
  const redact = createRedactor(parts.config.secrets);
  const derived = new DerivedDataCatchUp(parts.database.db, {
    onError: (error) => parts.logger.error({ event: 'derived_catch_up_error', error: redact(String(error)) }),
  });
  const base = {
    config: parts.config,
    database: parts.database,
    providers: parts.providers,
    logger: parts.logger,
    redact,
    scrub: secretScrubber(parts.config.secrets),
    inflight: new InflightRequests(),
    locks: new KeyedLock(),
    writer: new CallWriter(parts.database.db, parts.nativeInsert, (rows) => derived.committed(rows)),
    prices: new PriceBook(parts.database.db),
    lifecycle: new Lifecycle(),
  };
  const ctx = serviceContextOf(base);
  const batches = parts.batches ? parts.batches(ctx) : new InProcessBatchExecutor(ctx);
  const embeddings = new EmbeddingService(ctx);
  // The semantic scorer shares the app's embedding service (and so its deployment memo) with the routes.
  return { ...base, batches, embeddings, scoring: new ScoringRunner(ctx, () => embeddings), derived };
}

function serviceContextOf(deps: Omit<AppDeps, 'batches' | 'embeddings' | 'scoring' | 'derived'>): Omit<ServiceContext, 'batches'> {
  return {
    db: deps.database.db,
    logger: deps.logger,
    retry: deps.config.retry,
    limits: deps.config.limits,
    redact: deps.redact,
    scrub: deps.scrub,
    providers: deps.providers,
    inflight: deps.inflight,
    locks: deps.locks,
    writer: deps.writer,
    prices: deps.prices,
    lifecycle: deps.lifecycle,
  };
}

/** The context every service function takes. */
export const serviceContext = (deps: AppDeps): ServiceContext => ({ ...serviceContextOf(deps), batches: deps.batches });
/** Kept for callers written before batches existed: the same context. */
export const inferenceContext = serviceContext;
