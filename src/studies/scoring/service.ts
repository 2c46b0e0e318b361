// Scoring a study: run (or re-run) its scorers over the answers it has, in the background, without
// calling the studied models again. Each run adds a new version of every scorer it runs; its
// progress lives in scoring_runs. Scores are written a page at a time, each page one transaction.
import type { z } from 'zod';
import { getStudy, saveStudyScorers } from '../repository';
import { createGroup } from '../../groups/repository';
import {
  addScorerVersion,
  claimScoringRun,
  getScoringRun,
  listScoringRuns,
  runningScoringRuns,
  setJudgeGroup,
  versionsOfRun,
  type ScoringRunRow,
} from './repository';
import { answeredTaskCount } from '../report/repository';
import { expectedCounts, expectedGaps, refuseScorersWithoutExpected } from './expected-gaps';
import { AppError, notFound } from '../../errors';
import type { NamedScorer, scoreBodySchema } from '../../schemas/study-requests';
import type { EmbeddingService } from '../../embeddings/service';
import type { InferenceContext } from '../../inference/service';
import { limitExceeded } from '../../limits';
import type { ScorerVersion } from './score-answers';
import { configHash } from '../scorers/scorers';
import { configuredProvider, isRunAlive, percentDone, takeoverOf, type RunHost } from '../runner/background-run';
import { targetTemplates } from '../variants/prompt-variants';

export type ScoreInput = z.output<typeof scoreBodySchema>;

/** A scoring run as its runner needs it: claimed, its scorer versions stored, judge providers resolved. */
export interface PreparedRun {
  runId: number;
  studyId: number;
  /** The template each target's prompts went through, by target index (what an LLM judge is shown as the question). */
  templates: Array<string | null>;
  /** The answers it scores: those captured up to this call. */
  lastCallId: number;
  /** Judge calls at a time. */
  concurrency: number;
  scorers: ScorerVersion[];
}

/**
 * Runs scoring runs: in this process (Node, scoring/runner.ts) or through the queue (Workers,
 * scoring/queue-scoring.ts). Which run scores a study is decided in the database (claimScoringRun).
 */
export interface ScoringExecutor extends RunHost {
  readonly ctx: InferenceContext;
  readonly embeddings: () => EmbeddingService;
  /** Whether this process is working on the run right now. */
  isRunningHere(runId: number): boolean;
  /** Starts a run just claimed; `finished` settles when it has ended in this process (at once when it went to a queue). */
  launch(run: PreparedRun): Promise<{ finished: Promise<void> }>;
  /** Resolves once every run in this process has ended (tests, benchmarks). */
  idle(): Promise<void>;
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
export async function startScoring(runner: ScoringExecutor, studyId: number, input: ScoreInput) {
  const { ctx } = runner;
  const found = await getStudy(ctx.db, studyId);
  if (!found) throw notFound('study', studyId);
  const stored = (found.study.optionsJson.scorers as NamedScorer[] | undefined) ?? [];
  const scorers = input.scorers ?? stored;
  if (scorers.length === 0) throw new AppError(400, 'invalid_request', 'scorers: this study has no scorers yet: give some', [{ path: 'scorers', message: 'required' }]);
  const field = input.scorers ? 'scorers' : 'the study\'s scorers';
  const providers = scorers.map((scorer, i) => {
    const { config } = scorer;
    if (config.type === 'llm_judge') return configuredProvider(ctx.providers, config.target.provider, `${field}.${i}.target.provider`);
    if (config.type === 'semantic') {
      const provider = configuredProvider(ctx.providers, config.provider, `${field}.${i}.provider`);
      if (!provider.embed) throw new AppError(400, 'invalid_request', `${field}.${i}.provider: "${provider.name}" does not offer embeddings`);
    }
    return undefined;
  });
  refuseScorersWithoutExpected(expectedGaps(scorers, await expectedCounts(ctx.db, studyId)), field);
  const answered = await answeredTaskCount(ctx.db, studyId);
  const judges = scorers.filter((s) => s.config.type === 'llm_judge').length;
  if (answered.n * judges > ctx.limits.studyTasks) {
    throw limitExceeded('scorers', `${answered.n} answers × ${judges} judge scorer(s) is ${answered.n * judges} judge calls; at most ${ctx.limits.studyTasks}`, 'MAX_BATCH_TASKS');
  }
  const lastCallId = answered.last_call_id ?? 0;
  const claim = { studyId, total: answered.n * scorers.length, runner: runner.runner, lastCallId, concurrency: input.concurrency, now: new Date().toISOString() };
  const runId = await claimScoringRun(ctx.db, claim, takeoverOf(runner, await runningScoringRuns(ctx.db, studyId)));
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
  const { finished } = await runner.launch({ runId, studyId, templates: targetTemplates(found.study), lastCallId, concurrency: input.concurrency, scorers: versions });
  return { progress: await scoringProgress(runner, studyId, runId), work: finished };
}

/** The study's scorers after a run: the new ones replace those of the same name, the others stay. */
function mergeScorers(stored: NamedScorer[], given: NamedScorer[]): NamedScorer[] {
  const names = new Set(given.map((s) => s.name));
  return [...stored.filter((s) => !names.has(s.name)), ...given];
}

export async function scoringProgress(runner: ScoringExecutor, studyId: number, runId: number) {
  const run = await getScoringRun(runner.ctx.db, runId);
  if (!run || run.batchId !== studyId) throw notFound('scoring run', runId);
  return describeRun(runner, run, await versionsOfRun(runner.ctx.db, runId));
}

export async function recentScoringRuns(runner: ScoringExecutor, studyId: number, limit = 10) {
  const runs = await listScoringRuns(runner.ctx.db, studyId, limit);
  return Promise.all(runs.map(async (run) => describeRun(runner, run, await versionsOfRun(runner.ctx.db, run.id))));
}

function describeRun(runner: ScoringExecutor, run: ScoringRunRow, versions: Awaited<ReturnType<typeof versionsOfRun>>) {
  // A run whose runner is gone (killed, crashed) or silent still reads "running" in the database.
  const stale = run.status === 'running' && !runner.isRunningHere(run.id) && !isRunAlive(runner, run);
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
    percent: percentDone(run.done, run.total),
    created_at: run.createdAt,
    finished_at: run.finishedAt,
    scorers: versions.map((v) => ({ name: v.scorer, kind: v.kind, version: v.version, config_hash: v.configHash, judge_group_id: v.judgeGroupId })),
  };
}

export type ScoringProgress = Awaited<ReturnType<typeof scoringProgress>>;
