// SQL for a study's runs over time: the items a re-run copies, the schedule's compare-and-set claim,
// the runs of a series with their headline accuracy, and the scheduled runs whose drift is unchecked.
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { batches, batchItems } from '../../db/schema';
import type { NewStudyItem } from '../repository';

/** A study's items in position order, as a re-run creates them again (at most as many as a study may have). */
export async function itemsToRepeat(db: Database, studyId: number): Promise<NewStudyItem[]> {
  const rows = await db
    .select({
      key: batchItems.itemKey,
      prompt: batchItems.prompt,
      messages: batchItems.messagesJson,
      vars: batchItems.varsJson,
      expected: batchItems.expectedJson,
      fields: batchItems.fieldsJson,
    })
    .from(batchItems)
    .where(eq(batchItems.batchId, studyId))
    .orderBy(asc(batchItems.position));
  return rows.map((row) => ({
    key: row.key,
    ...(row.prompt !== null ? { prompt: row.prompt } : {}),
    ...(row.messages !== null ? { messages: row.messages } : {}),
    ...(row.vars !== null ? { vars: row.vars } : {}),
    ...(row.expected !== null ? { expected: row.expected } : {}),
    ...(row.fields !== null ? { fields: row.fields } : {}),
  }));
}

export interface DueSchedule {
  id: number;
  every: string;
  dueAt: string;
}

/** Scheduled studies whose next run is due at `now`, the longest-waiting first. */
export async function dueSchedules(db: Database, now: string, limit: number): Promise<DueSchedule[]> {
  const rows = await db
    .select({ id: batches.groupId, every: batches.scheduleEvery, dueAt: batches.nextRunAt })
    .from(batches)
    .where(sql`${batches.nextRunAt} IS NOT NULL AND ${batches.nextRunAt} <= ${now} AND ${batches.scheduleEvery} IS NOT NULL`)
    .orderBy(asc(batches.nextRunAt))
    .limit(limit);
  return rows as DueSchedule[];
}

/**
 * Takes the due slot `dueAt` by moving next_run_at on to `nextAt` — only if it still reads `dueAt`.
 * Of any number of schedulers (processes, servers on one sqld) asking at once, one wins the slot.
 */
export async function claimScheduleSlot(db: Database, studyId: number, dueAt: string, nextAt: string): Promise<boolean> {
  const rows = await db
    .update(batches)
    .set({ nextRunAt: nextAt })
    .where(and(eq(batches.groupId, studyId), eq(batches.nextRunAt, dueAt)))
    .returning({ id: batches.groupId });
  return rows.length === 1;
}

/**
 * Gives a claimed slot back when its run could not be created, so the next check tries it again — not
 * when the run exists and only its start failed (it can be resumed): trying the slot again would
 * collide with it on every check.
 */
export async function releaseScheduleSlot(db: Database, studyId: number, dueAt: string, nextAt: string) {
  await db
    .update(batches)
    .set({ nextRunAt: dueAt })
    .where(
      and(
        eq(batches.groupId, studyId),
        eq(batches.nextRunAt, nextAt),
        sql`NOT EXISTS (SELECT 1 FROM batches AS run WHERE run.series_id = ${studyId} AND run.scheduled_for = ${dueAt})`,
      ),
    );
}

/** The first run of the series a run belongs to. */
export const seriesOf = (study: { groupId: number; seriesId: number | null }) => study.seriesId ?? study.groupId;

export interface SeriesRun {
  id: number;
  status: string;
  created_at: string;
  rerun_of: number | null;
  scheduled_for: string | null;
  tasks_total: number;
  tasks_success: number;
  tasks_failed: number;
}

/** Runs of a series, newest first (at most `limit`). */
export async function seriesRuns(db: Database, seriesId: number, limit: number): Promise<SeriesRun[]> {
  return db.all<SeriesRun>(sql`
    SELECT group_id AS id, status, created_at, rerun_of, scheduled_for, tasks_total, tasks_success, tasks_failed
      FROM batches
     WHERE group_id = ${seriesId} OR series_id = ${seriesId}
     ORDER BY group_id DESC
     LIMIT ${limit}`);
}

/** The newest run of each series the given studies belong to (the study itself when it has no re-run). */
export async function latestRunsOf(db: Database, studyIds: number[]): Promise<Map<number, number>> {
  if (!studyIds.length) return new Map();
  const rows = await db.all<{ id: number; latest: number }>(sql`
    SELECT b.group_id AS id,
           (SELECT max(r.group_id) FROM batches r WHERE r.group_id = coalesce(b.series_id, b.group_id) OR r.series_id = coalesce(b.series_id, b.group_id)) AS latest
      FROM batches b
     WHERE b.group_id IN (${sql.join(studyIds.map((id) => sql`${id}`), sql`, `)})`);
  return new Map(rows.map((row) => [row.id, row.latest]));
}

/** The scorer a run's headline is read under: its first scorer (else the first that scored it), latest version. */
export async function headlineScorer(db: Database, runId: number): Promise<{ scorer: string; version: number } | undefined> {
  const rows = await db.all<{ scorer: string | null; version: number | null }>(sql`
    WITH picked AS (
      SELECT coalesce(json_extract(b.options_json, '$.scorers[0].name'),
                      (SELECT s.scorer FROM scores s WHERE s.batch_id = b.group_id AND s.scorer != 'human' ORDER BY s.id LIMIT 1)) AS scorer
        FROM batches b WHERE b.group_id = ${runId})
    SELECT p.scorer, (SELECT max(v.version) FROM scorer_versions v WHERE v.batch_id = ${runId} AND v.scorer = p.scorer) AS version FROM picked p`);
  const row = rows[0];
  return row?.scorer && row.version !== null ? { scorer: row.scorer, version: row.version } : undefined;
}

/**
 * For the items with ids in [from, to]: each scored item's passing and scored answers under the scorer
 * version, over all the run's targets and samples (a range scan of scores_report_idx).
 */
export async function passTalliesBetween(db: Database, runId: number, scorer: { scorer: string; version: number }, from: number, to: number) {
  return db.all<{ passed: number; samples: number }>(sql`
    SELECT sum(pass) AS passed, count(*) AS samples FROM scores
     WHERE batch_id = ${runId} AND scorer = ${scorer.scorer} AND version = ${scorer.version}
       AND item_id BETWEEN ${from} AND ${to} AND pass IS NOT NULL
     GROUP BY item_id`);
}

export interface FinishedScheduledRun {
  id: number;
  seriesId: number;
}

/** Scheduled runs that have completed and whose drift has not been checked yet. */
export async function uncheckedScheduledRuns(db: Database, limit: number): Promise<FinishedScheduledRun[]> {
  const rows = await db
    .select({ id: batches.groupId, seriesId: batches.seriesId })
    .from(batches)
    .where(sql`${batches.scheduledFor} IS NOT NULL AND ${batches.driftCheckedAt} IS NULL AND ${batches.status} = 'completed'`)
    .orderBy(asc(batches.groupId))
    .limit(limit);
  return rows.map((row) => ({ id: row.id, seriesId: row.seriesId! }));
}

/** Takes a run's drift check (once: of any number of schedulers, one does it). */
export async function claimDriftCheck(db: Database, runId: number, now: string): Promise<boolean> {
  const rows = await db
    .update(batches)
    .set({ driftCheckedAt: now })
    .where(and(eq(batches.groupId, runId), isNull(batches.driftCheckedAt)))
    .returning({ id: batches.groupId });
  return rows.length === 1;
}

/** Gives the check back after a passing failure (the database, say), so the next check tries it again. */
export async function releaseDriftCheck(db: Database, runId: number, claimedAt: string) {
  await db
    .update(batches)
    .set({ driftCheckedAt: null })
    .where(and(eq(batches.groupId, runId), eq(batches.driftCheckedAt, claimedAt)));
}

/** The run of the series just before `runId`. */
export async function previousRun(db: Database, seriesId: number, runId: number): Promise<number | undefined> {
  const rows = await db.all<{ id: number }>(sql`
    SELECT group_id AS id FROM batches
     WHERE (group_id = ${seriesId} OR series_id = ${seriesId}) AND group_id < ${runId}
     ORDER BY group_id DESC LIMIT 1`);
  return rows[0]?.id;
}

/** Sets (or, with null, stops) a series' schedule. */
export async function saveSchedule(db: Database, seriesId: number, schedule: { every: string; nextRunAt: string } | null) {
  await db
    .update(batches)
    .set({ scheduleEvery: schedule?.every ?? null, nextRunAt: schedule?.nextRunAt ?? null })
    .where(eq(batches.groupId, seriesId));
}
