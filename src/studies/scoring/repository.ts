// SQL for scores (append-only), the versions of a study's scorers, and scoring runs with their progress.
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../../db/client';
import { scorerVersions, scores, scoringPages, scoringRuns, type JsonObject } from '../../db/schema';
import type { Takeover } from '../runner/background-run';
import { runIsTakeable } from '../runner/runs-repository';

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

/** Scores per INSERT statement. */
export const SCORES_PER_STATEMENT = 1_000;

export type ScoreRow = typeof scores.$inferSelect;
export type ScorerVersionRow = typeof scorerVersions.$inferSelect;
export type ScoringRunRow = typeof scoringRuns.$inferSelect;

/**
 * Scores in one statement: the rows travel as one JSON array (far cheaper than a multi-row INSERT
 * built row by row). With `onlyIf`, they are stored only when it holds (a queue page still claimed).
 */
export function insertScoresStatement(db: Database, rows: NewScore[], onlyIf?: SQL) {
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
      FROM json_each(${json})${onlyIf ? sql` WHERE ${onlyIf}` : sql``}`);
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

export interface NewScoringRun {
  studyId: number;
  /** Answers to score × scorers. */
  total: number;
  /** Who runs it (see RunHost.runner). */
  runner: string;
  /** The answers it scores: those captured up to this call. */
  lastCallId: number;
  concurrency: number;
  now: string;
}

/** The study's scoring runs recorded as running: whichever holds the claim, and their runners. */
export async function runningScoringRuns(db: Database, studyId: number) {
  return db
    .select({ runId: scoringRuns.id, runner: scoringRuns.runner })
    .from(scoringRuns)
    .where(and(eq(scoringRuns.batchId, studyId), eq(scoringRuns.status, 'running')));
}

/**
 * Starts a scoring run unless another one of the study is live: one transaction that marks the dead
 * ones (see runIsTakeable) interrupted, so their late work is refused, and inserts the new run only
 * if no run is left running; of two requests at once only one starts. Answers the run's id, or
 * undefined when another run is live.
 */
export async function claimScoringRun(db: Database, run: NewScoringRun, takeover: Takeover): Promise<number | undefined> {
  const [, inserted] = await db.batch([
    db
      .update(scoringRuns)
      .set({ status: 'interrupted', error: 'its runner stopped without finishing; a later run took over', finishedAt: run.now })
      .where(and(eq(scoringRuns.batchId, run.studyId), eq(scoringRuns.status, 'running'), runIsTakeable({ heartbeatAt: scoringRuns.heartbeatAt, runId: scoringRuns.id }, takeover))),
    db.all<{ id: number }>(sql`
      INSERT INTO scoring_runs (batch_id, status, total, heartbeat_at, runner, last_call_id, concurrency)
      SELECT ${run.studyId}, 'running', ${run.total}, ${run.now}, ${run.runner}, ${run.lastCallId}, ${run.concurrency}
       WHERE NOT EXISTS (SELECT 1 FROM scoring_runs WHERE batch_id = ${run.studyId} AND status = 'running')
      RETURNING id`),
  ]);
  return (inserted as Array<{ id: number }>)[0]?.id;
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

/** The end of a run still running (one taken over in the meantime stays interrupted). */
export async function finishScoringRun(db: Database, runId: number, error?: string) {
  const now = new Date().toISOString();
  await db
    .update(scoringRuns)
    .set({ status: error === undefined ? 'completed' : 'failed', error: error ?? null, finishedAt: now, heartbeatAt: now })
    .where(and(eq(scoringRuns.id, runId), eq(scoringRuns.status, 'running')));
}

/** A queue run's pages: `pages` of `pageSize` ordinals each, one message apiece. */
export async function planScoringPages(db: Database, runId: number, pageSize: number, pages: number) {
  await db.update(scoringRuns).set({ pageSize, pages }).where(eq(scoringRuns.id, runId));
}

/**
 * What became of an attempt to take a page: taken (score it now), held by another consumer that took
 * it less than the lease ago (look again later), done already, or its run no longer running.
 */
export type PageClaim = 'claimed' | 'held' | 'done' | 'gone';

/**
 * Takes a page of a running queue run for the consumer `token`: one conditional upsert, so of any
 * number of deliveries of its message, on any number of consumers, one scores it. A page whose claim
 * is older than `leaseMs` (its consumer died) may be taken again; a page done never is.
 */
export async function claimScoringPage(db: Database, runId: number, page: number, token: string, now: Date, leaseMs: number): Promise<PageClaim> {
  const expired = new Date(now.getTime() - leaseMs).toISOString();
  const claimed = await db.all<{ page: number }>(sql`
    INSERT INTO scoring_pages (scoring_run_id, page, claimed_by, claimed_at)
    SELECT ${runId}, ${page}, ${token}, ${now.toISOString()}
     WHERE EXISTS (SELECT 1 FROM scoring_runs WHERE id = ${runId} AND status = 'running')
    ON CONFLICT (scoring_run_id, page) DO UPDATE SET claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at
     WHERE scoring_pages.done_at IS NULL AND scoring_pages.claimed_at < ${expired}
    RETURNING page`);
  if (claimed.length === 1) return 'claimed';
  const [row] = await db
    .select({ doneAt: scoringPages.doneAt, running: sql<number>`EXISTS (SELECT 1 FROM scoring_runs WHERE id = ${runId} AND status = 'running')` })
    .from(scoringPages)
    .where(and(eq(scoringPages.scoringRunId, runId), eq(scoringPages.page, page)))
    .limit(1);
  if (row?.doneAt) return 'done';
  return row?.running ? 'held' : 'gone';
}

/** Lets a page go again after its scoring failed, so its message's retry can take it at once. */
export async function releaseScoringPage(db: Database, runId: number, page: number, token: string) {
  await db
    .delete(scoringPages)
    .where(and(eq(scoringPages.scoringRunId, runId), eq(scoringPages.page, page), eq(scoringPages.claimedBy, token), sql`${scoringPages.doneAt} IS NULL`));
}

/**
 * A page's scores, the run's progress (completed with its last page) and the page marked done, as one
 * transaction's statements, each only while `token` still holds the page of a running run: a page is
 * scored once, however often its message is delivered.
 */
export function finishScoringPageStatements(
  db: Database,
  page: { runId: number; page: number; token: string },
  rows: NewScore[],
  step: { done: number; unscored: number; judgeCalls: number },
  now: string,
) {
  const holds = sql`EXISTS (SELECT 1 FROM scoring_pages p JOIN scoring_runs r ON r.id = p.scoring_run_id
                             WHERE p.scoring_run_id = ${page.runId} AND p.page = ${page.page} AND p.claimed_by = ${page.token}
                               AND p.done_at IS NULL AND r.status = 'running')`;
  const inserts = [];
  for (let i = 0; i < rows.length; i += SCORES_PER_STATEMENT) inserts.push(insertScoresStatement(db, rows.slice(i, i + SCORES_PER_STATEMENT), holds));
  const lastPage = sql`${scoringRuns.pagesDone} + 1 >= ${scoringRuns.pages}`;
  const progress = db
    .update(scoringRuns)
    .set({
      done: sql`${scoringRuns.done} + ${step.done}`,
      unscored: sql`${scoringRuns.unscored} + ${step.unscored}`,
      judgeCalls: sql`${scoringRuns.judgeCalls} + ${step.judgeCalls}`,
      pagesDone: sql`${scoringRuns.pagesDone} + 1`,
      heartbeatAt: now,
      status: sql`CASE WHEN ${lastPage} THEN 'completed' ELSE ${scoringRuns.status} END`,
      finishedAt: sql`CASE WHEN ${lastPage} THEN ${now} ELSE ${scoringRuns.finishedAt} END`,
    })
    .where(and(eq(scoringRuns.id, page.runId), holds));
  // The scores go first (the run may complete with this page), the page is marked done last: the
  // statements before it still see it held.
  const pageDone = db
    .update(scoringPages)
    .set({ doneAt: now })
    .where(and(eq(scoringPages.scoringRunId, page.runId), eq(scoringPages.page, page.page), eq(scoringPages.claimedBy, page.token), sql`${scoringPages.doneAt} IS NULL`));
  const statements: BatchItem<'sqlite'>[] = [...inserts, progress, pageDone];
  return statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]];
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

/** The study cell a call answered (its study, item with key, target and sample), for the link back from the call's page. */
export async function studyCellLinkOfCall(db: Database, callId: number) {
  const rows = await db.all<{ study_id: number; item_id: number; item_key: string; target_index: number; sample_index: number }>(sql`
    SELECT t.batch_id AS study_id, t.item_id, i.item_key, t.target_index, t.sample_index
      FROM raw_calls c JOIN batch_tasks t ON t.id = c.batch_task_id JOIN batch_items i ON i.id = t.item_id
     WHERE c.id = ${callId}`);
  return rows[0] ?? null;
}

/** A few captured answers of a study with their items' expected answers, for the scorer builder's preview (in run order: a random spread of items). */
export async function previewAnswers(db: Database, studyId: number, limit: number, maxChars: number) {
  return db.all<{ answer: string; expected_json: string | null }>(sql`
    SELECT substr(json_extract(c.response_json, '$.text'), 1, ${maxChars}) AS answer, i.expected_json
      FROM batch_tasks t JOIN raw_calls c ON c.id = t.last_call_id JOIN batch_items i ON i.id = t.item_id
     WHERE t.batch_id = ${studyId} AND t.status = 'success' AND json_type(c.response_json, '$.text') = 'text'
     ORDER BY t.ordinal LIMIT ${limit}`);
}

export async function humanLabelCount(db: Database, callId: number): Promise<number> {
  const rows = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM scores WHERE call_id = ${callId} AND scorer = 'human'`);
  return rows[0]?.n ?? 0;
}
