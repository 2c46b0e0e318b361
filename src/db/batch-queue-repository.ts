// SQL for the queue backend (Workers): tasks claimed one by one within a run, progress read from the DB.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { selectRunnableTasks } from './batches-repository';
import type { Database } from './client';
import { batches, batchTasks, rawCalls } from './schema';

/** A new queue run (already claimed): failed tasks go back to pending, to be tried again. */
export async function beginQueueRun(db: Database, batchId: number) {
  await db
    .update(batchTasks)
    .set({ status: 'pending' })
    .where(and(eq(batchTasks.batchId, batchId), eq(batchTasks.status, 'failed')));
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
 * Takes a task for the run just before it is called: pending, in a running batch, of the current run,
 * and not yet taken by this run. One conditional UPDATE, so of two deliveries of the same message
 * (queues deliver at least once) only one runs the task; a message of an earlier run, or of a
 * cancelled batch, takes nothing.
 */
export async function claimQueueTask(db: Database, taskId: number, run: string): Promise<boolean> {
  const rows = await db
    .update(batchTasks)
    .set({ claimedRun: run })
    .where(
      and(
        eq(batchTasks.id, taskId),
        eq(batchTasks.status, 'pending'),
        sql`${batchTasks.claimedRun} IS NOT ${run}`,
        sql`EXISTS (SELECT 1 FROM ${batches} WHERE ${batches.groupId} = ${batchTasks.batchId} AND ${batches.status} = 'running' AND ${batches.runId} = ${run})`,
      ),
    )
    .returning({ id: batchTasks.id });
  return rows.length === 1;
}

/**
 * Notes progress (the heartbeat: the run is alive) and marks the batch completed once no task is
 * pending, in one statement. updated_at keeps the run's start until the run ends.
 */
export async function settleQueueRun(db: Database, batchId: number, run: string) {
  const now = new Date().toISOString();
  const pending = sql`EXISTS (SELECT 1 FROM ${batchTasks} WHERE ${batchTasks.batchId} = ${batchId} AND ${batchTasks.status} = 'pending')`;
  await db
    .update(batches)
    .set({
      heartbeatAt: now,
      status: sql`CASE WHEN ${pending} THEN ${batches.status} ELSE 'completed' END`,
      updatedAt: sql`CASE WHEN ${pending} THEN ${batches.updatedAt} ELSE ${now} END`,
    })
    .where(and(eq(batches.groupId, batchId), eq(batches.status, 'running'), eq(batches.runId, run)));
}

/** Status, run, start and task counts of a queue run. */
export async function queueRunState(db: Database, batchId: number) {
  const [row] = await db
    .select({
      status: batches.status,
      run: batches.runId,
      startedAt: batches.updatedAt,
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
