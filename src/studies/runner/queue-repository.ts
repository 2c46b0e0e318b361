// SQL for the queue backend (Workers): tasks claimed one by one within a run, progress read from the DB.
import { and, asc, eq, sql } from 'drizzle-orm';
import { runnableTasksByIds, type OrderOf } from '../repository';
import type { Database } from '../../db/client';
import { batches, batchTaskOrder, batchTasks, rawCalls } from '../../db/schema';

/** A new queue run (already claimed): failed tasks go back to pending, to be tried again (their calls are over: no claim holds them). */
export async function beginQueueRun(db: Database, studyId: number) {
  await db
    .update(batchTasks)
    .set({ status: 'pending', claimedRun: null, claimedAt: null })
    .where(and(eq(batchTasks.batchId, studyId), eq(batchTasks.status, 'failed')));
}

/** The study's pending tasks in run order (item order for a study without a seed: see unfinishedTasksAfter). */
export async function pendingTaskIds(db: Database, study: OrderOf): Promise<number[]> {
  if (study.runSeed === null) {
    const rows = await db
      .select({ id: batchTasks.id })
      .from(batchTasks)
      .where(and(eq(batchTasks.batchId, study.groupId), eq(batchTasks.status, 'pending')))
      .orderBy(asc(batchTasks.ordinal));
    return rows.map((r) => r.id);
  }
  const rows = await db
    .select({ id: batchTasks.id })
    .from(batchTaskOrder)
    .innerJoin(batchTasks, and(eq(batchTasks.batchId, batchTaskOrder.batchId), eq(batchTasks.ordinal, batchTaskOrder.ordinal)))
    .where(and(eq(batchTaskOrder.batchId, study.groupId), eq(batchTasks.status, 'pending')))
    .orderBy(asc(batchTaskOrder.runOrder));
  return rows.map((r) => r.id);
}

/** The given tasks of a study that are still pending, with what they need to run. */
export async function pendingTasksByIds(db: Database, studyId: number, taskIds: number[]) {
  return runnableTasksByIds(db, taskIds, and(eq(batchTasks.batchId, studyId), eq(batchTasks.status, 'pending')));
}

/**
 * What became of an attempt to take a task: taken (call it now), held by an earlier run whose call
 * may still be in flight (look again later), or nothing to do (done, taken by this run already, or
 * the study no longer runs this run).
 */
export type TaskClaim = 'claimed' | 'held' | 'gone';

/**
 * Takes a task for the run just before it is called: pending, in a running study, of the current run,
 * not yet taken by this run, and not held by another run — one that took it less than `leaseMs` ago
 * and whose call may still be in flight (a task whose call ended is no longer pending, or was freed by
 * beginQueueRun). One conditional UPDATE, so whichever messages race for a task — two deliveries of
 * one message (queues deliver at least once), or the messages of a run and of the run that followed
 * a cancel and resume — on any number of consumers over one database, one calls its provider.
 */
export async function claimQueueTask(db: Database, taskId: number, run: string, now: Date, leaseMs: number): Promise<TaskClaim> {
  const heldSince = new Date(now.getTime() - leaseMs).toISOString();
  const runsThisRun = sql`EXISTS (SELECT 1 FROM ${batches} WHERE ${batches.groupId} = ${batchTasks.batchId} AND ${batches.status} = 'running' AND ${batches.runId} = ${run})`;
  const claimed = await db
    .update(batchTasks)
    .set({ claimedRun: run, claimedAt: now.toISOString() })
    .where(
      and(
        eq(batchTasks.id, taskId),
        eq(batchTasks.status, 'pending'),
        sql`(${batchTasks.claimedRun} IS NULL
             OR (${batchTasks.claimedRun} IS NOT ${run} AND (${batchTasks.claimedAt} IS NULL OR ${batchTasks.claimedAt} < ${heldSince})))`,
        runsThisRun,
      ),
    )
    .returning({ id: batchTasks.id });
  if (claimed.length === 1) return 'claimed';
  const [held] = await db
    .select({ id: batchTasks.id })
    .from(batchTasks)
    .where(
      and(
        eq(batchTasks.id, taskId),
        eq(batchTasks.status, 'pending'),
        sql`${batchTasks.claimedRun} IS NOT ${run} AND ${batchTasks.claimedAt} >= ${heldSince}`,
        runsThisRun,
      ),
    )
    .limit(1);
  return held ? 'held' : 'gone';
}

/**
 * Notes progress (the heartbeat: the run is alive) and marks the study completed once no task is
 * pending, in one statement. updated_at keeps the run's start until the run ends.
 */
export async function settleQueueRun(db: Database, studyId: number, run: string) {
  const now = new Date().toISOString();
  const pending = sql`EXISTS (SELECT 1 FROM ${batchTasks} WHERE ${batchTasks.batchId} = ${studyId} AND ${batchTasks.status} = 'pending')`;
  await db
    .update(batches)
    .set({
      heartbeatAt: now,
      status: sql`CASE WHEN ${pending} THEN ${batches.status} ELSE 'completed' END`,
      updatedAt: sql`CASE WHEN ${pending} THEN ${batches.updatedAt} ELSE ${now} END`,
    })
    .where(and(eq(batches.groupId, studyId), eq(batches.status, 'running'), eq(batches.runId, run)));
}

/** Status, run, start and task counts of a queue run. */
export async function queueRunState(db: Database, studyId: number) {
  const [row] = await db
    .select({
      status: batches.status,
      run: batches.runId,
      startedAt: batches.updatedAt,
      pending: sql<number>`(SELECT count(*) FROM ${batchTasks} WHERE ${batchTasks.batchId} = ${studyId} AND ${batchTasks.status} = 'pending')`,
    })
    .from(batches)
    .where(eq(batches.groupId, studyId))
    .limit(1);
  return row;
}

/** Tasks whose latest call was captured at or after `since` (the current run's work). */
export async function tasksFinishedSince(db: Database, studyId: number, since: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(batchTasks)
    .innerJoin(rawCalls, eq(rawCalls.id, batchTasks.lastCallId))
    .where(and(eq(batchTasks.batchId, studyId), sql`${rawCalls.createdAt} >= ${since}`));
  return row?.n ?? 0;
}

/** Gives a claimed task back (its run took no room under the cap for it): a resume claims it at once, not after the lease. */
export async function releaseQueueTaskClaim(db: Database, taskId: number, run: string) {
  await db
    .update(batchTasks)
    .set({ claimedRun: null, claimedAt: null })
    .where(and(eq(batchTasks.id, taskId), eq(batchTasks.status, 'pending'), eq(batchTasks.claimedRun, run)));
}
