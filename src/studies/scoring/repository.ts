// SQL for scores (append-only), the versions of a study's scorers, and scoring runs with their progress.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { scorerVersions, scores, scoringRuns, type JsonObject } from '../../db/schema';

export interface NewScore {
  callId: number;
  studyId: number | null;
  itemId: number | null;
  targetIndex: number | null;
  scorer: string;
  kind: string;
  version: number;
  configHash: string | null;
  value: number | null;
  label: string | null;
  pass: boolean | null;
  answer: string | null;
  detail: JsonObject;
  judgeCallId?: number | null;
  createdBy?: string | null;
}

export type ScoreRow = typeof scores.$inferSelect;
export type ScorerVersionRow = typeof scorerVersions.$inferSelect;
export type ScoringRunRow = typeof scoringRuns.$inferSelect;

/** Scores in one statement: the rows travel as one JSON array (far cheaper than a multi-row INSERT built row by row). */
export function insertScoresStatement(db: Database, rows: NewScore[]) {
  const json = JSON.stringify(
    rows.map((r) => ({
      c: r.callId, b: r.studyId, i: r.itemId, t: r.targetIndex, s: r.scorer, k: r.kind, v: r.version, h: r.configHash,
      n: r.value, l: r.label, p: r.pass === null ? null : r.pass ? 1 : 0, a: r.answer, d: r.detail, j: r.judgeCallId ?? null, w: r.createdBy ?? null,
    })),
  );
  return db.run(sql`
    INSERT INTO scores (call_id, batch_id, item_id, target_index, scorer, kind, version, config_hash, value, label, pass, answer, detail_json, judge_call_id, created_by)
    SELECT value ->> '$.c', value ->> '$.b', value ->> '$.i', value ->> '$.t', value ->> '$.s', value ->> '$.k', value ->> '$.v', value ->> '$.h',
           value ->> '$.n', value ->> '$.l', value ->> '$.p', value ->> '$.a', value -> '$.d', value ->> '$.j', value ->> '$.w'
      FROM json_each(${json})`);
}

/**
 * Adds the next version of a study's scorer, in one statement, so two runs can never take the same
 * version. Answers the version.
 */
export async function addScorerVersion(
  db: Database,
  entry: { studyId: number; scorer: string; kind: string; config: JsonObject; configHash: string; scoringRunId: number },
): Promise<number> {
  const rows = await db.all<{ version: number }>(sql`
    INSERT INTO scorer_versions (batch_id, scorer, version, kind, config_json, config_hash, scoring_run_id)
    SELECT ${entry.studyId}, ${entry.scorer}, coalesce(max(version), 0) + 1, ${entry.kind}, ${JSON.stringify(entry.config)}, ${entry.configHash}, ${entry.scoringRunId}
      FROM scorer_versions WHERE batch_id = ${entry.studyId} AND scorer = ${entry.scorer}
    RETURNING version`);
  return rows[0]!.version;
}

export async function setJudgeGroup(db: Database, studyId: number, scorer: string, version: number, groupId: number) {
  await db
    .update(scorerVersions)
    .set({ judgeGroupId: groupId })
    .where(and(eq(scorerVersions.batchId, studyId), eq(scorerVersions.scorer, scorer), eq(scorerVersions.version, version)));
}

/** Every version of every scorer of a study, newest first per scorer. */
export async function listScorerVersions(db: Database, studyId: number): Promise<ScorerVersionRow[]> {
  return db.select().from(scorerVersions).where(eq(scorerVersions.batchId, studyId)).orderBy(scorerVersions.scorer, desc(scorerVersions.version));
}

/**
 * Starts a scoring run unless another one of the study is live (its heartbeat newer than
 * `staleBefore`): one conditional INSERT, so of two requests at once only one starts. Answers the
 * run's id, or undefined when another run is live.
 */
export async function claimScoringRun(db: Database, studyId: number, total: number, now: string, staleBefore: string): Promise<number | undefined> {
  const rows = await db.all<{ id: number }>(sql`
    INSERT INTO scoring_runs (batch_id, status, total, heartbeat_at)
    SELECT ${studyId}, 'running', ${total}, ${now}
     WHERE NOT EXISTS (SELECT 1 FROM scoring_runs WHERE batch_id = ${studyId} AND status = 'running' AND heartbeat_at >= ${staleBefore})
    RETURNING id`);
  return rows[0]?.id;
}

/** Progress of a run, written in the same transaction as the scores it counts. */
export function scoringProgressStatement(db: Database, runId: number, step: { done: number; unscored: number; judgeCalls: number }, now: string) {
  return db
    .update(scoringRuns)
    .set({
      done: sql`${scoringRuns.done} + ${step.done}`,
      unscored: sql`${scoringRuns.unscored} + ${step.unscored}`,
      judgeCalls: sql`${scoringRuns.judgeCalls} + ${step.judgeCalls}`,
      heartbeatAt: now,
    })
    .where(eq(scoringRuns.id, runId));
}

export async function beatScoringRun(db: Database, runId: number, now: string) {
  await db.update(scoringRuns).set({ heartbeatAt: now }).where(and(eq(scoringRuns.id, runId), eq(scoringRuns.status, 'running')));
}

export async function finishScoringRun(db: Database, runId: number, error?: string) {
  const now = new Date().toISOString();
  await db
    .update(scoringRuns)
    .set({ status: error === undefined ? 'completed' : 'failed', error: error ?? null, finishedAt: now, heartbeatAt: now })
    .where(eq(scoringRuns.id, runId));
}

export async function getScoringRun(db: Database, runId: number): Promise<ScoringRunRow | undefined> {
  const [row] = await db.select().from(scoringRuns).where(eq(scoringRuns.id, runId)).limit(1);
  return row;
}

export async function listScoringRuns(db: Database, studyId: number, limit = 10): Promise<ScoringRunRow[]> {
  return db.select().from(scoringRuns).where(eq(scoringRuns.batchId, studyId)).orderBy(desc(scoringRuns.id)).limit(limit);
}

/** The versions a scoring run added. */
export async function versionsOfRun(db: Database, runId: number): Promise<ScorerVersionRow[]> {
  return db.select().from(scorerVersions).where(eq(scorerVersions.scoringRunId, runId)).orderBy(scorerVersions.id);
}

/** Every score of a call: each scorer version's, and every human label (newest first). */
export async function scoresOfCall(db: Database, callId: number): Promise<ScoreRow[]> {
  return db.select().from(scores).where(eq(scores.callId, callId)).orderBy(desc(scores.id));
}

/** Where a captured call sits in a study: its study, item and target (none for calls outside studies). */
export async function studyCellOfCall(db: Database, callId: number) {
  const rows = await db.all<{ batch_id: number; item_id: number; target_index: number }>(sql`
    SELECT t.batch_id, t.item_id, t.target_index FROM raw_calls c JOIN batch_tasks t ON t.id = c.batch_task_id WHERE c.id = ${callId}`);
  return rows[0];
}

export async function humanLabelCount(db: Database, callId: number): Promise<number> {
  const rows = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM scores WHERE call_id = ${callId} AND scorer = 'human'`);
  return rows[0]?.n ?? 0;
}
