// SQL that reads a study for scoring, statistics and export. Aggregations run here, in SQL, a range of
// items (or of tasks) at a time, so a study of a million tasks is read in bounded steps.
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { JsonObject } from '../../db/schema';
import type { CellAnswerCount, CellCall } from './cells';
import type { HumanTable, ReviewerTable } from './agreement';

/** A task with its answer, as scorers and the export read it. */
export interface AnsweredTask {
  ordinal: number;
  task_id: number;
  item_id: number;
  target_index: number;
  sample_index: number;
  call_id: number;
  text: string | null;
  expected_json: string | null;
  prompt: string | null;
  messages_json: string | null;
  vars_json: string | null;
}

/** The next `limit` tasks with a success row whose call id is at most `lastCallId`, in run order after `afterOrdinal`. */
export async function answeredTasksAfter(db: Database, studyId: number, afterOrdinal: number, limit: number, lastCallId: number): Promise<AnsweredTask[]> {
  return db.all<AnsweredTask>(sql`
    SELECT t.ordinal, t.id AS task_id, t.item_id, t.target_index, t.sample_index, t.last_call_id AS call_id,
           json_extract(c.response_json, '$.text') AS text, i.expected_json, i.prompt, i.messages_json, i.vars_json
      FROM batch_tasks t
      JOIN raw_calls c ON c.id = t.last_call_id
      JOIN batch_items i ON i.id = t.item_id
     WHERE t.batch_id = ${studyId} AND t.ordinal > ${afterOrdinal} AND t.status = 'success' AND t.last_call_id <= ${lastCallId}
     ORDER BY t.ordinal
     LIMIT ${limit}`);
}

/** How many tasks have a success row (call id at most `lastCallId`), and the newest such call. */
export async function answeredTaskCount(db: Database, studyId: number): Promise<{ n: number; last_call_id: number | null }> {
  const rows = await db.all<{ n: number; last_call_id: number | null }>(sql`
    SELECT count(*) AS n, max(last_call_id) AS last_call_id FROM batch_tasks WHERE batch_id = ${studyId} AND status = 'success'`);
  return rows[0] ?? { n: 0, last_call_id: null };
}

/** What a study's statistics were computed from: changes whenever a task finishes or a score is added. */
export async function studyFingerprint(db: Database, studyId: number): Promise<string | undefined> {
  const rows = await db.all<{ s: number; f: number; t: number; last: number | null }>(sql`
    SELECT b.tasks_success AS s, b.tasks_failed AS f, b.tasks_total AS t, (SELECT max(id) FROM scores WHERE batch_id = b.group_id) AS last
      FROM batches b WHERE b.group_id = ${studyId}`);
  const row = rows[0];
  return row ? `${row.s}/${row.f}/${row.t}/${row.last ?? 0}` : undefined;
}

export interface ItemMeta {
  id: number;
  position: number;
  item_key: string;
  fields_json: string | null;
}

/** Items [from, to) by position, with their fields (for slicing). */
export async function itemsMeta(db: Database, studyId: number, from: number, to: number): Promise<ItemMeta[]> {
  const items = await packedRows<ItemMeta>(
    db,
    sql`
    SELECT json_group_array(json_array(id, position, item_key, fields_json)) AS packed FROM (
      SELECT id, position, item_key, fields_json FROM batch_items
       WHERE batch_id = ${studyId} AND position >= ${from} AND position < ${to})`,
    (v) => ({ id: int(v[0]), position: int(v[1]), item_key: v[2] as string, fields_json: text(v[3]) }),
  );
  return items.sort((a, b) => a.position - b.position);
}

export interface ItemDetail extends ItemMeta {
  prompt: string | null;
  messages_json: string | null;
  vars_json: string | null;
  expected_json: string | null;
}

export async function itemsByIds(db: Database, studyId: number, ids: number[]): Promise<ItemDetail[]> {
  if (ids.length === 0) return [];
  return db.all<ItemDetail>(sql`
    SELECT id, position, item_key, fields_json, prompt, messages_json, vars_json, expected_json FROM batch_items
     WHERE batch_id = ${studyId} AND id IN (SELECT value FROM json_each(${JSON.stringify(ids)})) ORDER BY position`);
}

export async function itemByKey(db: Database, studyId: number, key: string): Promise<ItemDetail | undefined> {
  const rows = await db.all<ItemDetail>(sql`
    SELECT id, position, item_key, fields_json, prompt, messages_json, vars_json, expected_json FROM batch_items
     WHERE batch_id = ${studyId} AND item_key = ${key}`);
  return rows[0];
}

/** Per item × target × answer: samples, passes and samples scored — one scorer version, items with ids in [fromId, toId]. */
export type CellAnswerRow = CellAnswerCount;

/**
 * Rows of an aggregate packed into one JSON array by SQLite (json_group_array of json_array): a report
 * reads thousands of aggregate rows, and one string parsed at once costs a fraction of as many row objects.
 */
type PackedRow = Array<string | number | null>;

async function packedRows<T>(db: Database, query: SQL, row: (values: PackedRow) => T): Promise<T[]> {
  const rows = await db.all<{ packed: string | null }>(query);
  const packed = rows[0]?.packed;
  return packed ? (JSON.parse(packed) as PackedRow[]).map(row) : [];
}

const int = (value: string | number | null | undefined) => value as number;
const text = (value: string | number | null | undefined) => value as string | null;

const cellAnswer = (v: PackedRow): CellAnswerRow => ({ item_id: int(v[0]), target_index: int(v[1]), answer: text(v[2]), n: int(v[3]), passes: int(v[4]), scored: int(v[5]) });

export async function scoredCellAnswers(db: Database, studyId: number, scorer: { name: string; version: number }, fromId: number, toId: number): Promise<CellAnswerRow[]> {
  return packedRows<CellAnswerRow>(
    db,
    sql`
    SELECT json_group_array(json_array(item_id, target_index, answer, n, passes, scored)) AS packed FROM (
      SELECT item_id, target_index, answer, count(*) AS n, coalesce(sum(pass), 0) AS passes, count(pass) AS scored
        FROM scores
       WHERE batch_id = ${studyId} AND scorer = ${scorer.name} AND version = ${scorer.version} AND item_id BETWEEN ${fromId} AND ${toId}
       GROUP BY item_id, target_index, answer)`,
    cellAnswer,
  );
}

/** The same without a scorer: answers as the models gave them. */
export async function rawCellAnswers(db: Database, studyId: number, fromId: number, toId: number): Promise<CellAnswerRow[]> {
  return packedRows<CellAnswerRow>(
    db,
    sql`
    SELECT json_group_array(json_array(item_id, target_index, answer, n, passes, scored)) AS packed FROM (
      SELECT t.item_id, t.target_index, json_extract(c.response_json, '$.text') AS answer, count(*) AS n, 0 AS passes, 0 AS scored
        FROM batch_tasks t JOIN raw_calls c ON c.id = t.last_call_id
       WHERE t.batch_id = ${studyId} AND t.item_id BETWEEN ${fromId} AND ${toId} AND t.status = 'success'
       GROUP BY t.item_id, t.target_index, answer)`,
    cellAnswer,
  );
}

export interface CellTaskRow {
  item_id: number;
  target_index: number;
  tasks: number;
  success: number;
  failed: number;
  latency_n: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number | null;
  priced: number;
}

/**
 * Per item × target: tasks by status, tokens and capture-time cost of its answers, items with ids in
 * [fromId, toId] (read in the order of batch_tasks_key_idx, so grouping needs no sort).
 */
export async function cellTaskStats(db: Database, studyId: number, fromId: number, toId: number): Promise<CellTaskRow[]> {
  return packedRows<CellTaskRow>(
    db,
    sql`
    SELECT json_group_array(json_array(item_id, target_index, tasks, success, failed, latency_n, prompt_tokens, completion_tokens, cost_usd, priced)) AS packed FROM (
      SELECT item_id, target_index, count(*) AS tasks, coalesce(sum(status = 'success'), 0) AS success, coalesce(sum(status = 'failed'), 0) AS failed,
             count(CASE WHEN status = 'success' THEN latency_ms END) AS latency_n,
             coalesce(sum(CASE WHEN status = 'success' THEN prompt_tokens END), 0) AS prompt_tokens,
             coalesce(sum(CASE WHEN status = 'success' THEN completion_tokens END), 0) AS completion_tokens,
             sum(CASE WHEN status = 'success' THEN cost_usd END) AS cost_usd,
             count(CASE WHEN status = 'success' THEN cost_usd END) AS priced
        FROM batch_tasks
       WHERE batch_id = ${studyId} AND item_id BETWEEN ${fromId} AND ${toId}
       GROUP BY item_id, target_index)`,
    (v) => ({
      item_id: int(v[0]),
      target_index: int(v[1]),
      tasks: int(v[2]),
      success: int(v[3]),
      failed: int(v[4]),
      latency_n: int(v[5]),
      prompt_tokens: int(v[6]),
      completion_tokens: int(v[7]),
      cost_usd: v[8] as number | null,
      priced: int(v[9]),
    }),
  );
}

/** The k-th smallest success latency of a target (0-based), read off batch_tasks_latency_idx without a sort. */
export async function kthLatency(db: Database, studyId: number, targetIndex: number, k: number): Promise<number | null> {
  const rows = await db.all<{ latency_ms: number }>(sql`
    SELECT latency_ms FROM batch_tasks
     WHERE batch_id = ${studyId} AND target_index = ${targetIndex} AND status = 'success' AND latency_ms IS NOT NULL
     ORDER BY latency_ms LIMIT 1 OFFSET ${k}`);
  return rows[0]?.latency_ms ?? null;
}

/** Tasks of each cell of the given items by status (samples asked for, answered, failed). */
export async function cellTaskCounts(db: Database, studyId: number, itemIds: number[]) {
  if (itemIds.length === 0) return [];
  return db.all<{ item_id: number; target_index: number; tasks: number; success: number; failed: number }>(sql`
    SELECT item_id, target_index, count(*) AS tasks, coalesce(sum(status = 'success'), 0) AS success, coalesce(sum(status = 'failed'), 0) AS failed
      FROM batch_tasks
     WHERE batch_id = ${studyId} AND item_id IN (SELECT value FROM json_each(${JSON.stringify(itemIds)}))
     GROUP BY item_id, target_index`);
}

/**
 * Human labels of a study (the latest per call) beside the scorer's score of the same call: per
 * cell, how many calls were labelled, how many the scorer also passed or failed, and the 2×2 table
 * of the two verdicts (rows the human, columns the scorer).
 */
export async function humanLabelsByCell(db: Database, studyId: number, scorer: { name: string; version: number } | null) {
  return db.all<{ item_id: number; target_index: number } & HumanTable>(sql`
    WITH human AS (
      SELECT s.call_id, s.item_id, s.target_index, s.pass FROM scores s
       WHERE s.batch_id = ${studyId} AND s.scorer = 'human'
         AND s.id = (SELECT max(x.id) FROM scores x WHERE x.call_id = s.call_id AND x.scorer = 'human'))
    SELECT h.item_id, h.target_index, count(h.pass) AS labelled,
           count(CASE WHEN h.pass IS NOT NULL AND a.pass IS NOT NULL THEN 1 END) AS compared,
           count(CASE WHEN h.pass = a.pass THEN 1 END) AS agree,
           count(CASE WHEN h.pass = 1 AND a.pass = 1 THEN 1 END) AS both_pass,
           count(CASE WHEN h.pass = 1 AND a.pass = 0 THEN 1 END) AS human_pass_scorer_fail,
           count(CASE WHEN h.pass = 0 AND a.pass = 1 THEN 1 END) AS human_fail_scorer_pass,
           count(CASE WHEN h.pass = 0 AND a.pass = 0 THEN 1 END) AS both_fail,
           count(CASE WHEN h.pass = 1 AND a.pass IS NULL AND c.status = 'success' THEN 1 END) AS human_pass_unscored,
           count(CASE WHEN h.pass = 0 AND a.pass IS NULL AND c.status = 'success' THEN 1 END) AS human_fail_unscored
      FROM human h
      LEFT JOIN scores a ON a.call_id = h.call_id AND a.scorer = ${scorer?.name ?? null} AND a.version = ${scorer?.version ?? null}
      LEFT JOIN raw_calls c ON c.id = h.call_id
     GROUP BY h.item_id, h.target_index`);
}

/** Reviewers compared: at most this many (the most active), so their pairs stay few. */
export const MAX_REVIEWERS = 20;

/**
 * For each two named reviewers (created_by), their latest labels of the study's calls both labelled
 * pass or fail, as a 2×2 table. Labels given without a session (created_by null) cannot be told apart.
 */
export async function reviewerTables(db: Database, studyId: number): Promise<ReviewerTable[]> {
  return db.all<ReviewerTable>(sql`
    WITH latest AS (
      SELECT s.call_id, s.created_by, s.pass FROM scores s
       WHERE s.batch_id = ${studyId} AND s.scorer = 'human' AND s.created_by IS NOT NULL
         AND s.id = (SELECT max(x.id) FROM scores x WHERE x.call_id = s.call_id AND x.scorer = 'human' AND x.created_by = s.created_by)),
    labelled AS (SELECT * FROM latest WHERE pass IS NOT NULL),
    reviewers AS (SELECT created_by FROM labelled GROUP BY created_by ORDER BY count(*) DESC, created_by LIMIT ${MAX_REVIEWERS})
    SELECT f.created_by AS first, g.created_by AS second,
           count(CASE WHEN f.pass = 1 AND g.pass = 1 THEN 1 END) AS both_pass,
           count(CASE WHEN f.pass = 1 AND g.pass = 0 THEN 1 END) AS first_pass_second_fail,
           count(CASE WHEN f.pass = 0 AND g.pass = 1 THEN 1 END) AS first_fail_second_pass,
           count(CASE WHEN f.pass = 0 AND g.pass = 0 THEN 1 END) AS both_fail
      FROM labelled f JOIN labelled g ON g.call_id = f.call_id AND f.created_by < g.created_by
     WHERE f.created_by IN (SELECT created_by FROM reviewers) AND g.created_by IN (SELECT created_by FROM reviewers)
     GROUP BY f.created_by, g.created_by
     ORDER BY f.created_by, g.created_by`);
}

/** The samples of one cell with their scorer's score and their latest human label. */
export async function cellCalls(db: Database, studyId: number, itemId: number, targetIndex: number, scorer: { name: string; version: number } | null, limit = 500): Promise<CellCall[]> {
  return db.all<CellCall>(sql`
    SELECT t.id AS task_id, t.sample_index, t.status, t.last_call_id AS call_id,
           json_extract(c.response_json, '$.text') AS text, json_extract(c.error_json, '$.class') AS error_class, t.latency_ms,
           a.answer, a.pass, a.value, a.label, h.pass AS human_pass, h.label AS human_label, h.value AS human_value, h.detail_json AS human_detail
      FROM batch_tasks t
      LEFT JOIN raw_calls c ON c.id = t.last_call_id
      LEFT JOIN scores a ON a.call_id = t.last_call_id AND a.scorer = ${scorer?.name ?? null} AND a.version = ${scorer?.version ?? null}
      LEFT JOIN scores h ON h.id = (SELECT max(x.id) FROM scores x WHERE x.call_id = t.last_call_id AND x.scorer = 'human')
     WHERE t.batch_id = ${studyId} AND t.item_id = ${itemId} AND t.target_index = ${targetIndex}
     ORDER BY t.sample_index
     LIMIT ${limit}`);
}

export interface ExportTask {
  ordinal: number;
  item_key: string;
  position: number;
  prompt: string | null;
  messages_json: string | null;
  vars_json: string | null;
  expected_json: string | null;
  fields_json: string | null;
  target_index: number;
  sample_index: number;
  status: string;
  call_id: number | null;
  text: string | null;
  error_class: string | null;
  latency_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cost_usd: number | null;
}

/** Tasks in run order after `afterOrdinal`, with their item and answer, for the export. */
export async function exportTasksAfter(db: Database, studyId: number, afterOrdinal: number, limit: number): Promise<ExportTask[]> {
  return db.all<ExportTask>(sql`
    SELECT t.ordinal, i.item_key, i.position, i.prompt, i.messages_json, i.vars_json, i.expected_json, i.fields_json,
           t.target_index, t.sample_index, t.status, t.last_call_id AS call_id,
           json_extract(c.response_json, '$.text') AS text, json_extract(c.error_json, '$.class') AS error_class,
           t.latency_ms, t.prompt_tokens, t.completion_tokens, t.cost_usd
      FROM batch_tasks t JOIN batch_items i ON i.id = t.item_id LEFT JOIN raw_calls c ON c.id = t.last_call_id
     WHERE t.batch_id = ${studyId} AND t.ordinal > ${afterOrdinal}
     ORDER BY t.ordinal LIMIT ${limit}`);
}

/** Every score of the given calls (the export keeps the latest version of each scorer, and the latest human label). */
export async function scoresOfCalls(db: Database, callIds: number[]) {
  if (callIds.length === 0) return [];
  return db.all<{ id: number; call_id: number; scorer: string; version: number; value: number | null; label: string | null; pass: number | null; answer: string | null; detail_json: string; created_by: string | null; created_at: string }>(sql`
    SELECT id, call_id, scorer, version, value, label, pass, answer, detail_json, created_by, created_at
      FROM scores WHERE call_id IN (SELECT value FROM json_each(${JSON.stringify(callIds)})) ORDER BY id`);
}

/** The smallest and largest item id of a study: items are aggregated in id ranges. */
export async function itemIdRange(db: Database, studyId: number) {
  const rows = await db.all<{ low: number | null; high: number | null; n: number }>(sql`
    SELECT min(id) AS low, max(id) AS high, count(*) AS n FROM batch_items WHERE batch_id = ${studyId}`);
  return rows[0]!;
}

export const parseJsonColumn = <T = JsonObject>(text: string | null): T | null => (text == null ? null : (JSON.parse(text) as T));
