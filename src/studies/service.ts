// Study matrix runs: items × targets × samples, started in the background, with progress,
// cancel and resume. Resume runs only tasks without a success row.
import { studyAnswers, createStudy, getStudy, listStudyIds, taskCounts, type NewStudyItem } from './repository';
import { ACTIVE_STATUSES, cancelStudyRun, claimStudyRun, type RunStamp } from './runner/runs-repository';
import type { StudyTarget } from '../db/schema';
import { AppError, notFound } from '../errors';
import type { StudyExecutor } from './runner/runner';
import { isRunAlive, percentDone, takeoverOf } from './runner/background-run';
import type { InferenceContext } from '../inference/service';
import { checkStudyTasks, checkStudyPrompts } from '../limits';
import { studyTargets } from './study-targets';
import { checkBudgetPriced, itemsToRun } from './budget/estimate';
import { studyRunLimits } from './budget/run-limits';
import type { StudyInput } from '../schemas/study-requests';
import { firstSchedule } from './series/schedule';

export interface StudyContext extends InferenceContext {
  studies: StudyExecutor;
}

/** What is recorded of where a study came from (a clone records the study it was made from). */
export interface StudyOrigin {
  clonedFrom?: number;
}

export async function startStudy(ctx: StudyContext, input: StudyInput, origin: StudyOrigin = {}) {
  // Each (target, sweep combination) once per prompt variant: every pair is a column of its own.
  const targets: StudyTarget[] = studyTargets(ctx.providers, input);
  const given = itemsToRun(input);
  checkStudyTasks(ctx.limits, { items: given.length, targets: targets.length, samples: input.samples });
  const schedule = input.schedule && firstSchedule(ctx.limits, input.schedule, new Date());
  const variants = input.prompts?.map((variant) => variant.template);
  await checkStudyPrompts(ctx.limits, { items: given, template: input.template, templates: variants, tasksPerItem: targets.length * input.samples });
  if (input.budget_usd !== undefined) await checkBudgetPriced(ctx, targets);
  const items: NewStudyItem[] = given.map((item, i) => ({
    key: item.id ?? String(i + 1),
    prompt: item.prompt,
    messages: item.messages,
    vars: item.vars,
    expected: item.expected,
    fields: item.fields,
  }));
  const stamp = newRunStamp(ctx.studies);
  const studyId = await createStudy(ctx.db, {
    // A study is a group: like every group name, it is shown on pages and lists, so no configured secret stays in it.
    name: scrubbed(ctx, input.name) ?? `study ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
    description: scrubbed(ctx, input.description),
    targets,
    samples: input.samples,
    concurrency: input.concurrency,
    template: input.template,
    options: {
      collapse_samples: input.collapse_samples ?? false,
      ...(input.sweep ? { sweep: input.sweep } : {}),
      ...(input.scorers ? { scorers: input.scorers } : {}),
      ...(input.cluster_by !== undefined ? { cluster_by: input.cluster_by } : {}),
      ...(input.primary ? { primary: input.primary } : {}),
      ...(input.prompts ? { prompts: input.prompts } : {}),
      ...(origin.clonedFrom !== undefined ? { cloned_from: origin.clonedFrom } : {}),
      ...(input.dry_run_items !== undefined ? { dry_run: { items: given.length, of_items: input.items.length } } : {}),
    },
    items,
    seed: input.seed,
    budgetUsd: input.budget_usd,
    ...(schedule ? { schedule } : {}),
  }, stamp);
  await ctx.studies.launch(studyId, stamp.runId);
  return studyProgress(ctx, studyId);
}

const scrubbed = (ctx: StudyContext, text: string | undefined) => (text === undefined || !ctx.scrub ? text : ctx.scrub(text));

export const newRunStamp = (executor: StudyExecutor): RunStamp => ({
  runId: crypto.randomUUID(),
  runner: executor.runner,
  now: new Date().toISOString(),
});

type StoredStudy = NonNullable<Awaited<ReturnType<typeof getStudy>>>['study'];

/** Whether the study's run is working (`live`), known or taken to be dead (`dead`), or there is none (`stopped`). */
function runState(executor: StudyExecutor, study: StoredStudy): 'live' | 'dead' | 'stopped' {
  if (executor.isRunningHere(study.groupId)) return 'live';
  if (!(ACTIVE_STATUSES as readonly string[]).includes(study.status)) return 'stopped';
  return isRunAlive(executor, study) ? 'live' : 'dead';
}

export async function studyProgress(ctx: StudyContext, studyId: number) {
  const found = await getStudy(ctx.db, studyId);
  if (!found) throw notFound('study', studyId);
  const stats = await ctx.studies.stats(studyId);
  const counts = await taskCounts(ctx.db, studyId);
  const elapsedS = stats ? (Date.now() - stats.startedAt) / 1000 : 0;
  const rate = stats && elapsedS > 0 ? stats.finished / elapsedS : null;
  const remaining = stats ? stats.queued + stats.running : 0;
  const stored = found.study.status;
  // A run whose runner is gone (killed, crashed) still reads "running" in the database.
  const dead = (ACTIVE_STATUSES as readonly string[]).includes(stored) && runState(ctx.studies, found.study) === 'dead';
  const abandoned = stored === 'creating' && !isRunAlive(ctx.studies, found.study);
  const status = abandoned ? 'failed' : dead ? (stored === 'cancelling' ? 'cancelled' : 'interrupted') : stored;
  const reason = abandoned
    ? 'the server stopped before this study was fully created; nothing of it ran: create it again'
    : dead
      ? 'its runner stopped without finishing (the server was stopped or crashed)'
      : found.study.statusReason;
  return {
    id: studyId,
    name: found.group.name,
    status,
    status_reason: reason,
    total: counts.total,
    done: counts.success,
    failed: counts.failed,
    pending: counts.pending,
    running: stats?.running ?? 0,
    percent: percentDone(counts.success + counts.failed, counts.total),
    rate_per_s: rate === null ? null : Math.round(rate * 10) / 10,
    eta_s: rate ? Math.round(remaining / rate) : null,
    targets: found.study.targetsJson,
    samples: found.study.samples,
    concurrency: found.study.concurrency,
    seed: found.study.runSeed,
    created_at: found.study.createdAt,
    updated_at: found.study.updatedAt,
    ...clonedFrom(found.study.optionsJson),
    ...studyRunLimits(found.study),
    rerun_of: found.study.rerunOf,
    series_id: found.study.seriesId ?? studyId,
    schedule: found.study.scheduleEvery ? { every: found.study.scheduleEvery, next_run_at: found.study.nextRunAt } : null,
  };
}

const clonedFrom = (options: Record<string, unknown>) => (typeof options.cloned_from === 'number' ? { cloned_from: options.cloned_from } : {});

/** A page of studies, newest first, each with its progress. */
export async function listStudies(ctx: StudyContext, limit: number, cursor?: number) {
  const page = await listStudyIds(ctx.db, limit, cursor);
  return { studies: await Promise.all(page.ids.map((id) => studyProgress(ctx, id))), nextCursor: page.nextCursor };
}

/**
 * Cancels a running or interrupted study: no new task starts; tasks in flight finish and are captured.
 * A completed study's status is final (409).
 */
export async function cancelStudy(ctx: StudyContext, studyId: number) {
  const found = await getStudy(ctx.db, studyId);
  if (!found) throw notFound('study', studyId);
  const live = ctx.studies.cancelWaitsForTasksInFlight && runState(ctx.studies, found.study) === 'live';
  const status = await cancelStudyRun(ctx.db, studyId, live);
  if (status === undefined) throw new AppError(409, 'conflict', `study ${studyId} is completed; a finished study cannot be cancelled`);
  ctx.studies.stop(studyId);
  return studyProgress(ctx, studyId);
}

/**
 * Runs every task without a success row again, as a new run. The run is claimed in the database, so
 * of any number of resumes at the same moment — from any number of servers — exactly one starts it.
 */
export async function resumeStudy(ctx: StudyContext, studyId: number) {
  const found = await getStudy(ctx.db, studyId);
  if (!found) throw notFound('study', studyId);
  if (ctx.studies.isRunningHere(studyId)) {
    throw new AppError(409, 'conflict', `study ${studyId} is running (or still finishing the tasks in flight after a cancel)`);
  }
  const stamp = newRunStamp(ctx.studies);
  if (!(await claimStudyRun(ctx.db, studyId, stamp, takeoverOf(ctx.studies, [found.study])))) {
    const counts = await taskCounts(ctx.db, studyId);
    if (counts.success === counts.total) throw new AppError(409, 'conflict', `study ${studyId} has nothing left to run: every task has its answer`);
    throw new AppError(409, 'conflict', `study ${studyId} is already running`);
  }
  await ctx.studies.launch(studyId, stamp.runId);
  return studyProgress(ctx, studyId);
}

/** Per item × target: how many samples, how many failed, and the distinct answers with counts. */
export async function studyResults(ctx: StudyContext, studyId: number, offset: number, limit: number) {
  const found = await getStudy(ctx.db, studyId);
  if (!found) throw notFound('study', studyId);
  const rows = await studyAnswers(ctx.db, studyId, offset, limit);
  const cells = new Map<string, { item_key: string; target_index: number; target: StudyTarget; samples: number; success: number; failed: number; pending: number; answers: Array<{ text: string; count: number }> }>();
  for (const row of rows) {
    const key = `${row.position}:${row.target_index}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = { item_key: row.item_key, target_index: row.target_index, target: found.study.targetsJson[row.target_index]!, samples: 0, success: 0, failed: 0, pending: 0, answers: [] };
      cells.set(key, cell);
    }
    cell.samples += row.n;
    if (row.status === 'success') {
      cell.success += row.n;
      cell.answers.push({ text: row.text ?? '', count: row.n });
    } else if (row.status === 'failed') cell.failed += row.n;
    else cell.pending += row.n;
  }
  for (const cell of cells.values()) cell.answers.sort((a, b) => b.count - a.count);
  return { id: studyId, offset, limit, results: [...cells.values()] };
}
