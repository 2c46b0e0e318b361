// Study matrix runs: items × targets × samples, started in the background, with progress,
// cancel and resume. Resume runs only tasks without a success row.
import { batchAnswers, createBatch, getBatch, taskCounts, type NewBatchItem } from './repository';
import { ACTIVE_STATUSES, cancelBatchRun, claimBatchRun, type RunStamp } from './runner/runs-repository';
import type { BatchTarget } from '../db/schema';
import { AppError, notFound } from '../errors';
import type { BatchExecutor } from './runner/runner';
import { resolveProvider, type InferenceContext } from '../inference/service';
import { checkBatchTasks, checkStudyPrompts } from '../limits';
import { expandSweep } from './sweeps';
import type { StudyInput } from '../schemas/study-requests';

export interface BatchContext extends InferenceContext {
  batches: BatchExecutor;
}

export async function startBatch(ctx: BatchContext, input: StudyInput) {
  const given: BatchTarget[] = input.targets.map((t, i) => {
    let provider: ReturnType<typeof resolveProvider>;
    try {
      provider = resolveProvider(ctx.providers, t.provider);
    } catch (error) {
      if (error instanceof AppError) {
        throw new AppError(400, 'unknown_provider', `targets.${i}.provider: ${error.message.replace(/^provider: /, '')}`, [
          { path: `targets.${i}.provider`, message: `unknown provider "${t.provider}"` },
        ]);
      }
      throw error;
    }
    return { provider: provider.name, model: t.model ?? provider.defaultModel, params: t.params ?? {} };
  });
  const targets: BatchTarget[] = expandSweep(given, input.sweep);
  checkBatchTasks(ctx.limits, { items: input.items.length, targets: targets.length, samples: input.samples });
  await checkStudyPrompts(ctx.limits, { items: input.items, template: input.template, tasksPerItem: targets.length * input.samples });
  const items: NewBatchItem[] = input.items.map((item, i) => ({
    key: item.id ?? String(i + 1),
    prompt: item.prompt,
    messages: item.messages,
    vars: item.vars,
    expected: item.expected,
    fields: item.fields,
  }));
  const stamp = newRunStamp(ctx.batches);
  const batchId = await createBatch(ctx.db, {
    // A study is a group: like every group name, it is shown on pages and lists, so no configured secret stays in it.
    name: scrubbed(ctx, input.name) ?? `batch ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
    description: scrubbed(ctx, input.description),
    targets,
    samples: input.samples,
    concurrency: input.concurrency,
    template: input.template,
    options: {
      collapse_samples: input.collapse_samples ?? false,
      ...(input.sweep ? { sweep: input.sweep } : {}),
      ...(input.scorers ? { scorers: input.scorers } : {}),
    },
    items,
  }, stamp);
  await ctx.batches.launch(batchId, stamp.runId);
  return batchProgress(ctx, batchId);
}

const scrubbed = (ctx: BatchContext, text: string | undefined) => (text === undefined || !ctx.scrub ? text : ctx.scrub(text));

const newRunStamp = (executor: BatchExecutor): RunStamp => ({
  runId: crypto.randomUUID(),
  runner: executor.runner,
  now: new Date().toISOString(),
});

type StoredBatch = NonNullable<Awaited<ReturnType<typeof getBatch>>>['batch'];

/** Whether the batch's run is working (`live`), known or taken to be dead (`dead`), or there is none (`stopped`). */
function runState(executor: BatchExecutor, batch: StoredBatch): 'live' | 'dead' | 'stopped' {
  if (executor.isRunningHere(batch.groupId)) return 'live';
  if (!(ACTIVE_STATUSES as readonly string[]).includes(batch.status)) return 'stopped';
  return runnerAlive(executor, batch) ? 'live' : 'dead';
}

/** Whether whoever the batch records as its runner is still at work: its process lives and its heartbeat is fresh. */
function runnerAlive(executor: BatchExecutor, batch: StoredBatch, now = Date.now()): boolean {
  if (executor.runIsGone(batch)) return false;
  const beat = batch.heartbeatAt ? Date.parse(batch.heartbeatAt) : NaN;
  return !Number.isNaN(beat) && now - beat <= executor.staleAfterMs;
}

export async function batchProgress(ctx: BatchContext, batchId: number) {
  const found = await getBatch(ctx.db, batchId);
  if (!found) throw notFound('batch', batchId);
  const stats = await ctx.batches.stats(batchId);
  const counts = await taskCounts(ctx.db, batchId);
  const elapsedS = stats ? (Date.now() - stats.startedAt) / 1000 : 0;
  const rate = stats && elapsedS > 0 ? stats.finished / elapsedS : null;
  const remaining = stats ? stats.queued + stats.running : 0;
  const stored = found.batch.status;
  // A run whose runner is gone (killed, crashed) still reads "running" in the database.
  const dead = (ACTIVE_STATUSES as readonly string[]).includes(stored) && runState(ctx.batches, found.batch) === 'dead';
  const abandoned = stored === 'creating' && !runnerAlive(ctx.batches, found.batch);
  const status = abandoned ? 'failed' : dead ? (stored === 'cancelling' ? 'cancelled' : 'interrupted') : stored;
  const reason = abandoned
    ? 'the server stopped before this study was fully created; nothing of it ran: create it again'
    : dead
      ? 'its runner stopped without finishing (the server was stopped or crashed)'
      : found.batch.statusReason;
  return {
    id: batchId,
    name: found.group.name,
    status,
    status_reason: reason,
    total: counts.total,
    done: counts.success,
    failed: counts.failed,
    pending: counts.pending,
    running: stats?.running ?? 0,
    percent: counts.total ? Math.round(((counts.success + counts.failed) / counts.total) * 1000) / 10 : 100,
    rate_per_s: rate === null ? null : Math.round(rate * 10) / 10,
    eta_s: rate ? Math.round(remaining / rate) : null,
    targets: found.batch.targetsJson,
    samples: found.batch.samples,
    concurrency: found.batch.concurrency,
    created_at: found.batch.createdAt,
    updated_at: found.batch.updatedAt,
  };
}

/**
 * Cancels a running or interrupted batch: no new task starts; tasks in flight finish and are captured.
 * A completed batch's status is final (409).
 */
export async function cancelBatch(ctx: BatchContext, batchId: number) {
  const found = await getBatch(ctx.db, batchId);
  if (!found) throw notFound('batch', batchId);
  const live = ctx.batches.cancelWaitsForTasksInFlight && runState(ctx.batches, found.batch) === 'live';
  const status = await cancelBatchRun(ctx.db, batchId, live);
  if (status === undefined) throw new AppError(409, 'conflict', `batch ${batchId} is completed; a finished batch cannot be cancelled`);
  ctx.batches.stop(batchId);
  return batchProgress(ctx, batchId);
}

/**
 * Runs every task without a success row again, as a new run. The run is claimed in the database, so
 * of any number of resumes at the same moment — from any number of servers — exactly one starts it.
 */
export async function resumeBatch(ctx: BatchContext, batchId: number) {
  const found = await getBatch(ctx.db, batchId);
  if (!found) throw notFound('batch', batchId);
  if (ctx.batches.isRunningHere(batchId)) {
    throw new AppError(409, 'conflict', `batch ${batchId} is running (or still finishing the tasks in flight after a cancel)`);
  }
  const stamp = newRunStamp(ctx.batches);
  const deadRunId = ctx.batches.runIsGone(found.batch) ? found.batch.runId : null;
  const staleBefore = new Date(Date.now() - ctx.batches.staleAfterMs).toISOString();
  if (!(await claimBatchRun(ctx.db, batchId, stamp, { staleBefore, deadRunId }))) {
    const counts = await taskCounts(ctx.db, batchId);
    if (counts.success === counts.total) throw new AppError(409, 'conflict', `batch ${batchId} has nothing left to run: every task has its answer`);
    throw new AppError(409, 'conflict', `batch ${batchId} is already running`);
  }
  await ctx.batches.launch(batchId, stamp.runId);
  return batchProgress(ctx, batchId);
}

/** Per item × target: how many samples, how many failed, and the distinct answers with counts. */
export async function batchResults(ctx: BatchContext, batchId: number, offset: number, limit: number) {
  const found = await getBatch(ctx.db, batchId);
  if (!found) throw notFound('batch', batchId);
  const rows = await batchAnswers(ctx.db, batchId, offset, limit);
  const cells = new Map<string, { item_key: string; target_index: number; target: BatchTarget; samples: number; success: number; failed: number; pending: number; answers: Array<{ text: string; count: number }> }>();
  for (const row of rows) {
    const key = `${row.position}:${row.target_index}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = { item_key: row.item_key, target_index: row.target_index, target: found.batch.targetsJson[row.target_index]!, samples: 0, success: 0, failed: 0, pending: 0, answers: [] };
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
  return { id: batchId, offset, limit, results: [...cells.values()] };
}
