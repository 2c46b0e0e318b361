// What the app needs from the outside world; entries build it, tests build it over a temp database.
import type { Config } from './config';
import { CallWriter } from './capture/call-writer';
import type { DatabaseHandle } from './db/client';
import type { CallInserter } from './node/native-call-inserter';
import { createRedactor, type Logger } from './logging';
import type { ProviderRegistry } from './providers/registry';
import { InProcessStudyExecutor, type StudyExecutor } from './studies/runner/runner';
import { EmbeddingService } from './embeddings/service';
import type { StudyContext } from './studies/service';
import { InflightRequests } from './concurrency/inflight';
import { KeyedLock } from './concurrency/keyed-lock';
import type { ConversationContext } from './conversations/service';
import { Lifecycle } from './capture/lifecycle';
import { PriceBook } from './analytics/price-book';
import { DerivedDataCatchUp } from './analytics/catch-up';
import { ScoringRunner } from './studies/scoring/runner';
import type { ScoringExecutor } from './studies/scoring/service';
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
  studies: StudyExecutor;
  /** Provider calls in flight; a stopping server waits for them, then cancels the rest. */
  lifecycle: Lifecycle;
  /** One per app: the API, the pages and the gateway share its deployment memo and index handles. */
  embeddings: EmbeddingService;
  /** Runs study scorers in the background (in this process on Node, through the queue on Workers). */
  scoring: ScoringExecutor;
  /** Folds captured rows into the search index and the analytics rollups, behind the watermark. */
  derived: DerivedDataCatchUp;
}

export type ServiceContext = StudyContext & ConversationContext;

export function createDeps(
  parts: Pick<AppDeps, 'config' | 'database' | 'providers' | 'logger'> & {
    studies?: (ctx: Omit<ServiceContext, 'studies'>) => StudyExecutor;
    scoring?: (ctx: Omit<ServiceContext, 'studies'>, embeddings: () => EmbeddingService) => ScoringExecutor;
    nativeInsert?: CallInserter;
    /** Steps a background derived-data run may take (Workers: bounded subrequests per invocation). */
    catchUpSteps?: number;
  },
): AppDeps {
  const redact = createRedactor(parts.config.secrets);
  const derived = new DerivedDataCatchUp(parts.database.db, {
    backgroundSteps: parts.catchUpSteps,
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
  const studies = parts.studies ? parts.studies(ctx) : new InProcessStudyExecutor(ctx);
  const embeddings = new EmbeddingService(ctx);
  // The semantic scorer shares the app's embedding service (and so its deployment memo) with the routes.
  const scoring = parts.scoring ? parts.scoring(ctx, () => embeddings) : new ScoringRunner(ctx, () => embeddings);
  return { ...base, studies, embeddings, scoring, derived };
}

function serviceContextOf(deps: Omit<AppDeps, 'studies' | 'embeddings' | 'scoring' | 'derived'>): Omit<ServiceContext, 'studies'> {
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
export const serviceContext = (deps: AppDeps): ServiceContext => ({ ...serviceContextOf(deps), studies: deps.studies });
/** Kept for callers written before studies existed: the same context. */
export const inferenceContext = serviceContext;
