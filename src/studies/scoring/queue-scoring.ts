// Workers backend for scoring: a run's answers travel through the Cloudflare Queue a page per message
// (the study queue, BATCH_QUEUE), so a long LLM-judge run is not bound to the request that started
// it. Scores are append-only, so each page is claimed before it is scored and its scores are stored
// only while the claim holds, in the transaction that marks the page done: a redelivered message adds
// nothing. Progress lives in the database; a run with no progress for 15 minutes shows as interrupted.
import type { EmbeddingService } from '../../embeddings/service';
import { AppError } from '../../errors';
import type { InferenceContext } from '../../inference/service';
import { answeredTasksAfter } from '../report/repository';
import { getStudy, taskCounts } from '../repository';
import { configuredProvider, ProviderGates, QUEUE_LEASE_MS, queueHost } from '../runner/background-run';
import type { ScorerConfig } from '../scorers/scorers';
import {
  claimScoringPage,
  finishScoringPageStatements,
  finishScoringRun,
  getScoringRun,
  planScoringPages,
  releaseScoringPage,
  versionsOfRun,
  type ScoringRunRow,
} from './repository';
import { hasJudge, scoreTasks, scoringServices } from './runner';
import type { ScorerVersion } from './score-answers';
import type { PreparedRun, ScoringExecutor } from './service';
import { targetTemplates } from '../variants/prompt-variants';

/**
 * Task ordinals per message. A judge page makes a captured call per answer, so it holds as many as a
 * study message holds tasks (five: two messages an invocation stay under the free plan's 50
 * subrequests); a page of deterministic or semantic scorers reads and writes the database a few times.
 */
export const JUDGE_PAGE = 5;
export const PAGE = 250;
/** Queues accept at most 100 messages per sendBatch call. */
const MESSAGES_PER_SEND = 100;
/** A message whose page another consumer is scoring comes back this much later (to find it done, or its claim expired). */
export const HELD_PAGE_RETRY_S = 60;

export interface ScoringMessageBody {
  scoringRunId: number;
  /** Task ordinals [page × page size, (page + 1) × page size) of the study. */
  page: number;
}

/** The producer side of the queue binding (what this backend needs of it). */
export interface ScoringQueueProducer {
  sendBatch(messages: Iterable<{ body: ScoringMessageBody }>): Promise<unknown>;
}

/** A delivered message, as the Workers runtime hands it to `queue()`. */
export interface ScoringQueueMessage {
  readonly id?: string;
  readonly body: unknown;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export class QueueScoringExecutor implements ScoringExecutor {
  readonly runner = queueHost.runner;
  readonly staleAfterMs = queueHost.staleAfterMs;

  constructor(
    readonly ctx: InferenceContext,
    readonly embeddings: () => EmbeddingService,
    private readonly queue: ScoringQueueProducer | undefined,
  ) {}

  runIsGone(run: { runner: string | null }) {
    return queueHost.runIsGone(run);
  }

  isRunningHere() {
    return false;
  }

  async idle() {}

  /** Cuts the study's tasks into pages and sends one message per page. */
  async launch(run: PreparedRun) {
    if (!this.queue) {
      await finishScoringRun(this.ctx.db, run.runId, 'no queue is bound as BATCH_QUEUE');
      throw new AppError(503, 'queue_unavailable', 'Scoring on Workers runs through a queue: bind one as BATCH_QUEUE in wrangler.toml.');
    }
    const pageSize = hasJudge(run) ? JUDGE_PAGE : PAGE;
    const pages = Math.ceil((await taskCounts(this.ctx.db, run.studyId)).total / pageSize);
    await planScoringPages(this.ctx.db, run.runId, pageSize, pages);
    if (pages === 0) {
      await finishScoringRun(this.ctx.db, run.runId);
      return { finished: Promise.resolve() };
    }
    for (let from = 0; from < pages; from += MESSAGES_PER_SEND) {
      const messages = Array.from({ length: Math.min(MESSAGES_PER_SEND, pages - from) }, (_, i) => ({ body: { scoringRunId: run.runId, page: from + i } }));
      await this.queue.sendBatch(messages);
    }
    return { finished: Promise.resolve() };
  }
}

export function isScoringMessage(body: unknown): body is ScoringMessageBody {
  if (typeof body !== 'object' || body === null) return false;
  const { scoringRunId, page } = body as Record<string, unknown>;
  return Number.isSafeInteger(scoringRunId) && Number.isSafeInteger(page) && (page as number) >= 0;
}

/**
 * The queue consumer's share for scoring messages. A page is scored only once claimed for a running
 * run; one done is skipped, one another consumer holds comes back later, and a message whose work
 * failed lets its page go and is retried by the queue.
 */
export async function consumeScoringMessages(executor: Pick<ScoringExecutor, 'ctx' | 'embeddings'>, messages: readonly ScoringQueueMessage[]) {
  const { ctx } = executor;
  // The judge calls of one delivery pause together on a 429 (across deliveries each consumer learns it anew).
  const gates = new ProviderGates();
  await Promise.all(
    messages.map(async (message) => {
      const body = message.body;
      if (!isScoringMessage(body)) {
        ctx.logger.error({ event: 'scoring_message_invalid', message_id: message.id });
        message.ack();
        return;
      }
      try {
        const outcome = await scoreQueuedPage(executor, body, gates);
        if (outcome === 'held') message.retry({ delaySeconds: HELD_PAGE_RETRY_S });
        else message.ack();
      } catch (error) {
        ctx.logger.error({ event: 'scoring_message_error', scoring_run_id: body.scoringRunId, page: body.page, error: ctx.redact(String(error)) });
        message.retry({ delaySeconds: 5 });
      }
    }),
  );
}

async function scoreQueuedPage(executor: Pick<ScoringExecutor, 'ctx' | 'embeddings'>, body: ScoringMessageBody, gates: ProviderGates): Promise<'scored' | 'held' | 'skipped'> {
  const { db } = executor.ctx;
  const row = await getScoringRun(db, body.scoringRunId);
  if (row?.status !== 'running' || row.pageSize === null || row.pages === null || body.page >= row.pages) return 'skipped';
  const token = crypto.randomUUID();
  const claim = await claimScoringPage(db, row.id, body.page, token, new Date(), QUEUE_LEASE_MS);
  if (claim === 'held') return 'held';
  if (claim !== 'claimed') return 'skipped';
  try {
    const run = await preparedRun(executor.ctx, row);
    if (!run) return 'skipped';
    const from = body.page * row.pageSize;
    const to = from + row.pageSize;
    const tasks = (await answeredTasksAfter(db, run.studyId, from - 1, row.pageSize, run.lastCallId)).filter((task) => task.ordinal < to);
    const { rows, step } = await scoreTasks(scoringServices(executor, run, gates), run, tasks);
    await db.batch(finishScoringPageStatements(db, { runId: row.id, page: body.page, token }, rows, step, new Date().toISOString()));
    return 'scored';
  } catch (error) {
    await releaseScoringPage(db, row.id, body.page, token).catch(() => undefined);
    throw error;
  }
}

/**
 * The run as stored, made ready to score: its scorer versions, with each judge's provider. A judge
 * provider removed from the configuration since the run started ends the run as failed, naming it.
 */
async function preparedRun(ctx: InferenceContext, row: ScoringRunRow): Promise<PreparedRun | undefined> {
  const found = await getStudy(ctx.db, row.batchId);
  if (!found) return undefined;
  const scorers: ScorerVersion[] = [];
  for (const version of await versionsOfRun(ctx.db, row.id)) {
    const config = version.configJson as unknown as ScorerConfig;
    const scorer: ScorerVersion = { name: version.scorer, version: version.version, configHash: version.configHash, config };
    if (config.type === 'llm_judge') {
      try {
        scorer.judgeProvider = configuredProvider(ctx.providers, config.target.provider, `scorers.${scorers.length}.target.provider`);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        await finishScoringRun(ctx.db, row.id, error.message);
        return undefined;
      }
      scorer.judgeGroupId = version.judgeGroupId ?? undefined;
    }
    scorers.push(scorer);
  }
  return { runId: row.id, studyId: row.batchId, templates: targetTemplates(found.study), lastCallId: row.lastCallId ?? 0, concurrency: row.concurrency ?? 4, scorers };
}
