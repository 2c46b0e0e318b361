// Scoring runs in this process (Node), and what every scoring run does with a page of answers —
// score it with each of the run's scorers — whichever backend runs it (see queue-scoring.ts).
import type { Database } from '../../db/client';
import type { EmbeddingService } from '../../embeddings/service';
import type { InferenceContext } from '../../inference/service';
import { timeSlicer } from '../../concurrency/time-slice';
import { answeredTasksAfter, type AnsweredTask } from '../report/repository';
import { PROCESS_HEARTBEAT_MS, processHost, ProviderGates, startHeartbeat, type ProcessHost } from '../runner/background-run';
import { beatScoringRun, finishScoringRun, insertScoresStatement, scoringProgressStatement, SCORES_PER_STATEMENT, type NewScore } from './repository';
import { scorePage, type ScoringServices } from './score-answers';
import type { PreparedRun, ScoringExecutor } from './service';

/** Answers scored per page in this process (each page's scores and progress are one transaction); fewer when a judge calls a model for each. */
const PAGE = 250;
const JUDGE_PAGE = 50;

export const hasJudge = (run: Pick<PreparedRun, 'scorers'>) => run.scorers.some((s) => s.config.type === 'llm_judge');

/** What scoring a run's pages needs: its services, shared by its pages (one backoff gate per provider, one time slicer). */
export function scoringServices(executor: Pick<ScoringExecutor, 'ctx' | 'embeddings'>, run: PreparedRun, gates = new ProviderGates()): ScoringServices {
  return {
    ctx: executor.ctx,
    embeddings: executor.embeddings,
    studyId: run.studyId,
    runId: run.runId,
    templates: run.templates,
    concurrency: run.concurrency,
    slice: timeSlicer(),
    gates,
  };
}

export interface ScoredPage {
  rows: NewScore[];
  /** The run's progress this page makes. */
  step: { done: number; unscored: number; judgeCalls: number };
}

/** One page of answers scored with every scorer of the run. */
export async function scoreTasks(services: ScoringServices, run: PreparedRun, tasks: AnsweredTask[]): Promise<ScoredPage> {
  const rows: NewScore[] = [];
  const step = { done: tasks.length * run.scorers.length, unscored: 0, judgeCalls: 0 };
  for (const scorer of run.scorers) {
    const page = await scorePage(services, scorer, tasks);
    rows.push(...page.rows);
    step.unscored += page.unscored;
    step.judgeCalls += page.judgeCalls;
  }
  return { rows, step };
}

/** Runs scoring runs in this process, in the background; a run whose process dies or whose heartbeat stops shows as interrupted. */
export class ScoringRunner implements ScoringExecutor {
  readonly runner: string;
  readonly staleAfterMs: number;
  private readonly host: ProcessHost;
  private readonly heartbeatMs: number;
  private readonly runs = new Map<number, Promise<void>>();

  constructor(
    readonly ctx: InferenceContext,
    readonly embeddings: () => EmbeddingService,
    options: { heartbeatMs?: number; staleAfterMs?: number } = {},
  ) {
    this.host = processHost({ staleAfterMs: options.staleAfterMs });
    this.runner = this.host.runner;
    this.staleAfterMs = this.host.staleAfterMs;
    this.heartbeatMs = options.heartbeatMs ?? PROCESS_HEARTBEAT_MS;
  }

  runIsGone(run: { runner: string | null }) {
    return this.host.runIsGone(run);
  }

  isRunningHere(runId: number) {
    return this.runs.has(runId);
  }

  /** Resolves once every run in this process has ended (tests, benchmarks). */
  async idle() {
    while (this.runs.size) await Promise.all([...this.runs.values()]);
  }

  async launch(run: PreparedRun) {
    const stopBeating = startHeartbeat(this.heartbeatMs, () => beatScoringRun(this.ctx.db, run.runId, new Date().toISOString()), () => undefined);
    const finished = this.execute(run).finally(() => {
      stopBeating();
      this.runs.delete(run.runId);
    });
    this.runs.set(run.runId, finished);
    return { finished };
  }

  private async execute(run: PreparedRun) {
    const { db } = this.ctx;
    const services = scoringServices(this, run);
    const pageSize = hasJudge(run) ? JUDGE_PAGE : PAGE;
    try {
      for (let after = -1; ; ) {
        const tasks = await answeredTasksAfter(db, run.studyId, after, pageSize, run.lastCallId);
        if (tasks.length === 0) break;
        after = tasks[tasks.length - 1]!.ordinal;
        const { rows, step } = await scoreTasks(services, run, tasks);
        await db.batch([scoringProgressStatement(db, run.runId, step, new Date().toISOString()), ...insertScores(db, rows)]);
        if (tasks.length < pageSize) break;
      }
      await finishScoringRun(db, run.runId);
    } catch (error) {
      const message = this.ctx.redact(error instanceof Error ? error.message : String(error));
      this.ctx.logger.error({ event: 'scoring_error', batch_id: run.studyId, scoring_run_id: run.runId, error: message });
      await finishScoringRun(db, run.runId, message).catch(() => undefined);
    }
  }
}

function insertScores(db: Database, rows: NewScore[]) {
  const inserts = [];
  for (let i = 0; i < rows.length; i += SCORES_PER_STATEMENT) inserts.push(insertScoresStatement(db, rows.slice(i, i + SCORES_PER_STATEMENT)));
  return inserts;
}
