// SQL for who runs a study. A run is claimed by one conditional UPDATE, so however many requests,
// processes or servers ask at the same moment, one wins and the rest see nothing changed.
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Database } from '../../db/client';
import { batches, batchTasks } from '../../db/schema';
import type { Takeover } from './background-run';

export interface RunStamp {
  runId: string;
  /** Who runs it (see StudyExecutor.runner). */
  runner: string;
  now: string;
}

/** Statuses whose run may still be working: a live run holds the study in one of these. */
export const ACTIVE_STATUSES = ['running', 'cancelling'] as const;

const hasUnfinishedTasks = (studyId: number) =>
  sql`EXISTS (SELECT 1 FROM ${batchTasks} WHERE ${batchTasks.batchId} = ${studyId} AND ${batchTasks.status} != 'success')`;

/**
 * Whether an active run (study run or scoring run) may be taken over on `takeover`'s terms: its
 * heartbeat is missing or stale, or its runner is known to be gone. Every claim is a conditional
 * write on this, so of any number of claims at once — from any number of servers — one wins.
 */
export function runIsTakeable(run: { heartbeatAt: SQLiteColumn; runId: SQLiteColumn }, takeover: Takeover): SQL {
  const dead = takeover.deadRunIds.length ? sql` OR ${run.runId} IN (${sql.join(takeover.deadRunIds.map((id) => sql`${id}`), sql`, `)})` : sql``;
  return sql`(${run.heartbeatAt} IS NULL OR ${run.heartbeatAt} < ${takeover.staleBefore}${dead})`;
}

/**
 * Makes this run the study's run when no live run holds it and something is left to run: a study
 * stopped (cancelled, interrupted, completed with failures) or whose run is dead (see runIsTakeable).
 * True when this call won.
 */
export async function claimStudyRun(db: Database, studyId: number, stamp: RunStamp, takeover: Takeover): Promise<boolean> {
  const rows = await db
    .update(batches)
    .set({ status: 'running', runId: stamp.runId, runner: stamp.runner, heartbeatAt: stamp.now, updatedAt: stamp.now, statusReason: null })
    .where(
      and(
        eq(batches.groupId, studyId),
        sql`(${batches.status} IN ('cancelled', 'interrupted', 'completed')
             OR (${inArray(batches.status, [...ACTIVE_STATUSES])} AND ${runIsTakeable(batches, takeover)}))`,
        hasUnfinishedTasks(studyId),
      ),
    )
    .returning({ id: batches.groupId });
  return rows.length === 1;
}

/** A live run's heartbeat. Answers the study's status, or undefined once the run no longer owns it. */
export async function beatStudyRun(db: Database, studyId: number, runId: string, now: string): Promise<string | undefined> {
  const [row] = await db
    .update(batches)
    .set({ heartbeatAt: now })
    .where(and(eq(batches.groupId, studyId), eq(batches.runId, runId), inArray(batches.status, [...ACTIVE_STATUSES])))
    .returning({ status: batches.status });
  return row?.status;
}

/**
 * The end of a run that still owns its study: cancelling → cancelled; otherwise completed, or
 * interrupted with its reason when the run stopped early (shutdown, an error).
 */
export async function finishStudyRun(db: Database, studyId: number, runId: string, interruptedBecause?: string) {
  const now = new Date().toISOString();
  const running = interruptedBecause === undefined ? sql`'completed'` : sql`'interrupted'`;
  await db
    .update(batches)
    .set({
      status: sql`CASE ${batches.status} WHEN 'cancelling' THEN 'cancelled' WHEN 'running' THEN ${running} ELSE ${batches.status} END`,
      statusReason: sql`CASE WHEN ${batches.status} = 'running' THEN ${interruptedBecause ?? null} ELSE ${batches.statusReason} END`,
      heartbeatAt: null,
      updatedAt: now,
    })
    .where(and(eq(batches.groupId, studyId), eq(batches.runId, runId)));
}

/**
 * Cancels a study that is not finished. A live run is asked to stop (`cancelling`: its tasks in
 * flight still finish and are captured; the run then marks it `cancelled`); anything else is
 * `cancelled` at once. Answers the new status, or undefined when the study is completed.
 */
export async function cancelStudyRun(db: Database, studyId: number, liveRun: boolean): Promise<string | undefined> {
  const now = new Date().toISOString();
  const [row] = await db
    .update(batches)
    .set({
      status: liveRun ? sql`CASE WHEN ${batches.status} IN ('running', 'cancelling') THEN 'cancelling' ELSE 'cancelled' END` : 'cancelled',
      statusReason: 'cancelled on request',
      updatedAt: now,
    })
    .where(and(eq(batches.groupId, studyId), inArray(batches.status, ['running', 'cancelling', 'interrupted', 'cancelled'])))
    .returning({ status: batches.status });
  return row?.status;
}

/** Runs left holding a study by a process that is going away: interrupted, with the reason. */
export async function interruptStudyRuns(db: Database, runIds: string[], reason: string) {
  if (!runIds.length) return;
  await db
    .update(batches)
    .set({
      status: sql`CASE ${batches.status} WHEN 'cancelling' THEN 'cancelled' ELSE 'interrupted' END`,
      statusReason: sql`CASE ${batches.status} WHEN 'cancelling' THEN ${batches.statusReason} ELSE ${reason} END`,
      heartbeatAt: null,
      updatedAt: new Date().toISOString(),
    })
    .where(and(inArray(batches.runId, runIds), inArray(batches.status, [...ACTIVE_STATUSES])));
}
