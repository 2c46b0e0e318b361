// Scoring a study: run (or re-run) its scorers over the answers it has, in the background, without
// calling the studied models again. Each run adds a new version of every scorer it runs; its
// progress lives in scoring_runs. Scores are written a page at a time, each page one transaction.
import type { z } from 'zod';
import { getStudy, saveStudyScorers } from '../repository';
import { createGroup } from '../../groups/repository';
import {
  addScorerVersion,
  beatScoringRun,
  claimScoringRun,
  finishScoringRun,
  getScoringRun,
  insertScoresStatement,
  listScoringRuns,
  scoringProgressStatement,
  setJudgeGroup,
  versionsOfRun,
  type NewScore,
  type ScoringRunRow,
} from './repository';
import { answeredTaskCount, answeredTasksAfter } from '../report/repository';
import { timeSlicer } from '../../concurrency/time-slice';
import { AppError, notFound } from '../../errors';
import type { NamedScorer, scoreBodySchema } from '../../schemas/study-requests';
import type { EmbeddingService } from '../../embeddings/service';
import type { BackoffGate } from '../../concurrency/backoff-gate';
import { resolveProvider, type InferenceContext } from '../../inference/service';
import { limitExceeded } from '../../limits';
import { scorePage, type ScorerVersion, type ScoringServices } from './score-answers';
import { configHash } from '../scorers/scorers';

export type ScoreInput = z.output<typeof scoreBodySchema>;

/** Answers scored per page (each page's scores and progress are one transaction); fewer when a judge calls a model for each. */
const PAGE = 250;
const JUDGE_PAGE = 50;
/** Scores per INSERT statement. */
const SCORES_PER_STATEMENT = 1_000;

interface PreparedRun {
  runId: number;
  studyId: number;
  template: string | null;
  lastCallId: number;
  concurrency: number;
  scorers: ScorerVersion[];
}

/** Runs scoring runs in this process, in the background; a run whose heartbeat stops shows as interrupted. */
export class ScoringRunner {
  readonly staleAfterMs: number;
  private readonly heartbeatMs: number;
  private readonly runs = new Map<number, Promise<void>>();

  constructor(
    readonly ctx: InferenceContext,
    readonly embeddings: () => EmbeddingService,
    options: { heartbeatMs?: number; staleAfterMs?: number } = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.staleAfterMs = options.staleAfterMs ?? 30_000;
  }

  isRunningHere(runId: number) {
    return this.runs.has(runId);
  }

  /** Resolves once every run in this process has ended (tests, benchmarks). */
  async idle() {
    while (this.runs.size) await Promise.all([...this.runs.values()]);
  }

  launch(run: PreparedRun): Promise<void> {
    const heartbeat = setInterval(() => void beatScoringRun(this.ctx.db, run.runId, new Date().toISOString()).catch(() => undefined), this.heartbeatMs);
    heartbeat.unref?.();
    const work = this.execute(run).finally(() => {
      clearInterval(heartbeat);
      this.runs.delete(run.runId);
    });
    this.runs.set(run.runId, work);
    return work;
  }

  private async execute(run: PreparedRun) {
    const { db } = this.ctx;
    const services: ScoringServices = {
      ctx: this.ctx,
      embeddings: this.embeddings,
      studyId: run.studyId,
      runId: run.runId,
      template: run.template,
      concurrency: run.concurrency,
      slice: timeSlicer(),
      gates: new Map<string, BackoffGate>(),
    };
    const pageSize = run.scorers.some((s) => s.config.type === 'llm_judge') ? JUDGE_PAGE : PAGE;
    try {
      for (let after = -1; ; ) {
        const tasks = await answeredTasksAfter(db, run.studyId, after, pageSize, run.lastCallId);
        if (tasks.length === 0) break;
        after = tasks[tasks.length - 1]!.ordinal;
        const rows: NewScore[] = [];
        const step = { done: tasks.length * run.scorers.length, unscored: 0, judgeCalls: 0 };
        for (const scorer of run.scorers) {
          const page = await scorePage(services, scorer, tasks);
          rows.push(...page.rows);
          step.unscored += page.unscored;
          step.judgeCalls += page.judgeCalls;
        }
        const inserts = [];
        for (let i = 0; i < rows.length; i += SCORES_PER_STATEMENT) inserts.push(insertScoresStatement(db, rows.slice(i, i + SCORES_PER_STATEMENT)));
        await db.batch([scoringProgressStatement(db, run.runId, step, new Date().toISOString()), ...inserts]);
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

/** Where a request runs: on Workers, its execution context (Node has none, and throws when asked for it). */
interface RequestRun {
  readonly executionCtx: { waitUntil(work: Promise<unknown>): void };
}

/** Workers end a request's work with its response unless told to wait for it (a scoring run's `work`). */
export function keepRunning(c: RequestRun, work: Promise<unknown>) {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // Node: no execution context; the process keeps running the work.
  }
}

/**
 * Starts scoring a study: the given scorers (which become the study's scorers, by name), or the
 * study's own. Everything is checked before anything is written: scorers, providers, the number of
 * judge calls against MAX_BATCH_TASKS, and that no other scoring run of the study is live (409).
 * Answers the run's progress; `work` settles when the run ends.
 */
export async function startScoring(runner: ScoringRunner, studyId: number, input: ScoreInput) {
  const { ctx } = runner;
  const found = await getStudy(ctx.db, studyId);
  if (!found) throw notFound('study', studyId);
  const stored = (found.study.optionsJson.scorers as NamedScorer[] | undefined) ?? [];
  const scorers = input.scorers ?? stored;
  if (scorers.length === 0) throw new AppError(400, 'invalid_request', 'scorers: this study has no scorers yet: give some', [{ path: 'scorers', message: 'required' }]);
  const field = input.scorers ? 'scorers' : 'the study\'s scorers';
  const providers = scorers.map((scorer, i) => {
    const { config } = scorer;
    if (config.type === 'llm_judge') return resolveProviderFor(ctx, config.target.provider, `${field}.${i}.target.provider`);
    if (config.type === 'semantic') {
      const provider = resolveProviderFor(ctx, config.provider, `${field}.${i}.provider`);
      if (!provider.embed) throw new AppError(400, 'invalid_request', `${field}.${i}.provider: "${provider.name}" does not offer embeddings`);
    }
    return undefined;
  });
  const answered = await answeredTaskCount(ctx.db, studyId);
  const judges = scorers.filter((s) => s.config.type === 'llm_judge').length;
  if (answered.n * judges > ctx.limits.studyTasks) {
    throw limitExceeded('scorers', `${answered.n} answers × ${judges} judge scorer(s) is ${answered.n * judges} judge calls; at most ${ctx.limits.studyTasks}`, 'MAX_BATCH_TASKS');
  }
  const now = new Date();
  const runId = await claimScoringRun(ctx.db, studyId, answered.n * scorers.length, now.toISOString(), new Date(now.getTime() - runner.staleAfterMs).toISOString());
  if (runId === undefined) throw new AppError(409, 'conflict', `study ${studyId} is being scored already: wait for that run to end`);
  const versions: ScorerVersion[] = [];
  for (const [i, { name, config }] of scorers.entries()) {
    const hash = await configHash(config);
    const version = await addScorerVersion(ctx.db, { studyId, scorer: name, kind: config.type, config: config as Record<string, unknown>, configHash: hash, scoringRunId: runId });
    const entry: ScorerVersion = { name, version, configHash: hash, config };
    if (config.type === 'llm_judge') {
      const group = await createGroup(ctx.db, {
        groupType: 'judge',
        name: `judge ${name} v${version} · ${found.group.name}`,
        description: `LLM-judge calls of scorer "${name}" (version ${version}) on study ${studyId}`,
        metadata: { batch_id: studyId, scorer: name, scorer_version: version, scoring_run_id: runId, judge: config.target },
      });
      await setJudgeGroup(ctx.db, studyId, name, version, group.id);
      Object.assign(entry, { judgeGroupId: group.id, judgeProvider: providers[i] });
    }
    versions.push(entry);
  }
  if (input.scorers) await saveStudyScorers(ctx.db, studyId, mergeScorers(stored, input.scorers));
  const work = runner.launch({ runId, studyId, template: found.study.template, lastCallId: answered.last_call_id ?? 0, concurrency: input.concurrency, scorers: versions });
  return { progress: await scoringProgress(runner, studyId, runId), work };
}

function resolveProviderFor(ctx: InferenceContext, name: string, path: string) {
  try {
    return resolveProvider(ctx.providers, name);
  } catch (error) {
    if (error instanceof AppError) throw new AppError(400, 'unknown_provider', `${path}: unknown provider "${name}"`, [{ path, message: `unknown provider "${name}"` }]);
    throw error;
  }
}

/** The study's scorers after a run: the new ones replace those of the same name, the others stay. */
function mergeScorers(stored: NamedScorer[], given: NamedScorer[]): NamedScorer[] {
  const names = new Set(given.map((s) => s.name));
  return [...stored.filter((s) => !names.has(s.name)), ...given];
}

export async function scoringProgress(runner: ScoringRunner, studyId: number, runId: number) {
  const run = await getScoringRun(runner.ctx.db, runId);
  if (!run || run.batchId !== studyId) throw notFound('scoring run', runId);
  return describeRun(runner, run, await versionsOfRun(runner.ctx.db, runId));
}

export async function recentScoringRuns(runner: ScoringRunner, studyId: number, limit = 10) {
  const runs = await listScoringRuns(runner.ctx.db, studyId, limit);
  return Promise.all(runs.map(async (run) => describeRun(runner, run, await versionsOfRun(runner.ctx.db, run.id))));
}

function describeRun(runner: ScoringRunner, run: ScoringRunRow, versions: Awaited<ReturnType<typeof versionsOfRun>>) {
  const stale = run.status === 'running' && !runner.isRunningHere(run.id) && Date.now() - Date.parse(run.heartbeatAt) > runner.staleAfterMs;
  return {
    id: run.id,
    batch_id: run.batchId,
    study_id: run.batchId,
    status: stale ? 'interrupted' : run.status,
    error: run.error,
    total: run.total,
    done: run.done,
    unscored: run.unscored,
    judge_calls: run.judgeCalls,
    percent: run.total ? Math.min(100, Math.round((run.done / run.total) * 1000) / 10) : 100,
    created_at: run.createdAt,
    finished_at: run.finishedAt,
    scorers: versions.map((v) => ({ name: v.scorer, kind: v.kind, version: v.version, config_hash: v.configHash, judge_group_id: v.judgeGroupId })),
  };
}

export type ScoringProgress = Awaited<ReturnType<typeof scoringProgress>>;
