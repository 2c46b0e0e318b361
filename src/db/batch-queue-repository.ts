// SQL for the queue backend (Workers): runs are stamped, tasks claimed by status, progress read from the DB.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { selectRunnableTasks } from './batches-repository';
import type { Database } from './client';
import { batches, batchTasks, rawCalls } from './schema';

/**
 * Starts a queue run: failed tasks go back to pending (they will be tried again), the batch is
 * running, and `options_json.queue_run` records the run's stamp so messages of an earlier run
 * (before a cancel or resume) are recognised and dropped.
 */
export async function beginQueueRun(db: Database, batchId: number, run: string) {
  await db.batch([
    db.update(batchTasks).set({ status: 'pending' }).where(and(eq(batchTasks.batchId, batchId), eq(batchTasks.status, 'failed'))),
    db
      .update(batches)
      .set({ status: 'running', updatedAt: run, optionsJson: sql`json_set(${batches.optionsJson}, '$.queue_run', ${run})` })
      .where(eq(batches.groupId, batchId)),
  ]);
}

export async function pendingTaskIds(db: Database, batchId: number): Promise<number[]> {
  const rows = await db
    .select({ id: batchTasks.id })
    .from(batchTasks)
    .where(and(eq(batchTasks.batchId, batchId), eq(batchTasks.status, 'pending')))
    .orderBy(asc(batchTasks.ordinal));
  return rows.map((r) => r.id);
}

/** The given tasks of a batch that are still pending, with what they need to run. */
export async function pendingTasksByIds(db: Database, batchId: number, taskIds: number[]) {
  if (!taskIds.length) return [];
  return selectRunnableTasks(db, and(eq(batchTasks.batchId, batchId), eq(batchTasks.status, 'pending'), inArray(batchTasks.id, taskIds)));
}

/**
 * Whether a task is still due just before it runs: pending, in a running batch, of the current run.
 * A redelivered message, a cancelled batch or a message of an earlier run all answer false.
 */
export async function isTaskDue(db: Database, taskId: number, run: string): Promise<boolean> {
  const [row] = await db
    .select({ id: batchTasks.id })
    .from(batchTasks)
    .innerJoin(batches, eq(batches.groupId, batchTasks.batchId))
    .where(
      and(
        eq(batchTasks.id, taskId),
        eq(batchTasks.status, 'pending'),
        eq(batches.status, 'running'),
        sql`json_extract(${batches.optionsJson}, '$.queue_run') = ${run}`,
      ),
    )
    .limit(1);
  return row !== undefined;
}

/** Notes progress (the run is alive) and marks the batch completed once no task is pending, in one statement. */
export async function settleQueueRun(db: Database, batchId: number) {
  await db
    .update(batches)
    .set({
      updatedAt: new Date().toISOString(),
      status: sql`CASE WHEN EXISTS (SELECT 1 FROM ${batchTasks} WHERE ${batchTasks.batchId} = ${batchId} AND ${batchTasks.status} = 'pending') THEN ${batches.status} ELSE 'completed' END`,
    })
    .where(and(eq(batches.groupId, batchId), eq(batches.status, 'running')));
}

/** Status, run stamp, last progress and task counts of a queue run. */
export async function queueRunState(db: Database, batchId: number) {
  const [row] = await db
    .select({
      status: batches.status,
      run: sql<string | null>`json_extract(${batches.optionsJson}, '$.queue_run')`,
      updatedAt: batches.updatedAt,
      pending: sql<number>`(SELECT count(*) FROM ${batchTasks} WHERE ${batchTasks.batchId} = ${batchId} AND ${batchTasks.status} = 'pending')`,
    })
    .from(batches)
    .where(eq(batches.groupId, batchId))
    .limit(1);
  return row;
}

/** Tasks whose latest call was captured at or after `since` (the current run's work). */
export async function tasksFinishedSince(db: Database, batchId: number, since: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(batchTasks)
    .innerJoin(rawCalls, eq(rawCalls.id, batchTasks.lastCallId))
    .where(and(eq(batchTasks.batchId, batchId), sql`${rawCalls.createdAt} >= ${since}`));
  return row?.n ?? 0;
}
