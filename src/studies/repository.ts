// SQL for studies: the matrix of (item, target, sample) tasks, their progress and their answers.
import { and, asc, desc, eq, gt, inArray, lt, ne, sql, type SQL } from 'drizzle-orm';
import { timeSlicer } from '../concurrency/time-slice';
import type { RunStamp } from './runner/runs-repository';
import { newRunSeed, runOrder } from './runner/run-order';
import type { Database } from '../db/client';
import { batchItems, batches, batchTaskOrder, batchTasks, groups, STUDY_GROUP_TYPE, type StudyTarget, type JsonObject } from '../db/schema';
import type { ChatMessage } from '../providers/types';
import { nextTurn } from '../concurrency/time-slice';

export interface NewStudyItem {
  key: string;
  prompt?: string;
  messages?: ChatMessage[];
  vars?: Record<string, string>;
  expected?: unknown;
  fields?: Record<string, string | number | boolean | null>;
}

export interface NewStudy {
  name: string;
  description?: string;
  targets: StudyTarget[];
  samples: number;
  concurrency: number;
  template?: string;
  options: JsonObject;
  items: NewStudyItem[];
  /** Seeds the run order (runner/run-order.ts); a fresh one when not given. */
  seed?: number;
  /** The spending cap in USD. */
  budgetUsd?: number;
  /** A re-run: the run it repeats, its series and, when the schedule started it, the slot it fills (series/). */
  lineage?: { rerunOf: number; seriesId: number; scheduledFor?: string };
  /** A scheduled study: how often it runs again, and when first. */
  schedule?: { every: string; nextRunAt: string };
}

// A study of up to a million tasks is created a statement at a time, with a turn of the event loop
// between statements, so the server keeps answering while it is written. Each statement stays small:
// embedded libSQL runs it on the event loop (about 15 ms for 250 KB of items or 2,500 tasks, measured).
const ITEMS_PER_STATEMENT = 1_000;
const ITEM_BYTES_PER_STATEMENT = 256 * 1024;
const TASKS_PER_STATEMENT = 2_500;
// Run-order rows are appended in position order (to a table of their own), so they are cheap to write.
const ORDER_ROWS_PER_STATEMENT = 5_000;

/**
 * Creates the study group, its items, every (item, target, sample) task and the order they run in,
 * owned by the run `stamp`. A study that fits in one statement of each kind is written in one
 * transaction. A larger one is `creating` while it is written, a statement at a time, and `running`
 * once complete; should writing fail, what was written is removed again.
 */
export async function createStudy(db: Database, study: NewStudy, stamp: RunStamp): Promise<number> {
  const T = study.targets.length;
  const S = study.samples;
  const totalTasks = study.items.length * T * S;
  const seed = study.seed ?? newRunSeed();
  const order = runOrder(seed, { items: study.items.length, targets: T, samples: S, collapseSamples: study.options.collapse_samples === true });
  const itemChunks = await chunkItems(study.items);
  const oneStep = itemChunks.length === 1 && totalTasks <= TASKS_PER_STATEMENT;
  const [group] = await db
    .insert(groups)
    .values({
      groupType: STUDY_GROUP_TYPE,
      name: study.name,
      description: study.description ?? null,
      metadataJson: { targets: study.targets, samples: study.samples, items: study.items.length },
    })
    .returning({ id: groups.id });
  const studyId = group!.id;
  const studyRow = db.insert(batches).values({
    groupId: studyId,
    status: oneStep ? 'running' : 'creating',
    targetsJson: study.targets,
    samples: S,
    concurrency: study.concurrency,
    template: study.template ?? null,
    optionsJson: study.options,
    updatedAt: stamp.now,
    runId: stamp.runId,
    runner: stamp.runner,
    heartbeatAt: stamp.now,
    tasksTotal: totalTasks,
    runSeed: seed,
    budgetUsd: study.budgetUsd ?? null,
    rerunOf: study.lineage?.rerunOf ?? null,
    seriesId: study.lineage?.seriesId ?? null,
    scheduledFor: study.lineage?.scheduledFor ?? null,
    scheduleEvery: study.schedule?.every ?? null,
    nextRunAt: study.schedule?.nextRunAt ?? null,
  });
  if (oneStep) {
    await db.batch([studyRow, insertItems(db, studyId, itemChunks[0]!), insertTasks(db, studyId, T, S, 0, totalTasks), insertRunOrder(db, studyId, order, 0, totalTasks)]);
    return studyId;
  }
  try {
    await studyRow;
    for (const items of itemChunks) {
      await nextTurn();
      await insertItems(db, studyId, items);
    }
    for (let from = 0; from < totalTasks; from += TASKS_PER_STATEMENT) {
      await nextTurn();
      await insertTasks(db, studyId, T, S, from, Math.min(totalTasks, from + TASKS_PER_STATEMENT));
    }
    for (let from = 0; from < totalTasks; from += ORDER_ROWS_PER_STATEMENT) {
      await nextTurn();
      await insertRunOrder(db, studyId, order, from, Math.min(totalTasks, from + ORDER_ROWS_PER_STATEMENT));
    }
    await db.update(batches).set({ status: 'running', heartbeatAt: new Date().toISOString() }).where(eq(batches.groupId, studyId));
    return studyId;
  } catch (error) {
    await discardStudy(db, studyId).catch(() => undefined);
    throw error;
  }
}

interface ItemRow extends NewStudyItem {
  position: number;
}

/** Items in statements of at most ITEMS_PER_STATEMENT items and about ITEM_BYTES_PER_STATEMENT of JSON (measured a time slice at a time). */
async function chunkItems(items: NewStudyItem[]): Promise<ItemRow[][]> {
  const chunks: ItemRow[][] = [[]];
  const slice = timeSlicer();
  let bytes = 0;
  for (const [position, item] of items.entries()) {
    await slice();
    const size = (item.prompt?.length ?? 0) + [item.messages, item.vars, item.expected, item.fields].reduce((sum: number, part) => sum + (part === undefined ? 0 : JSON.stringify(part).length), 0);
    const current = chunks[chunks.length - 1]!;
    if (current.length && (current.length >= ITEMS_PER_STATEMENT || bytes + size > ITEM_BYTES_PER_STATEMENT)) {
      chunks.push([]);
      bytes = 0;
    }
    chunks[chunks.length - 1]!.push({ ...item, position });
    bytes += size;
  }
  return chunks;
}

// Items go in as one JSON array parameter per statement: building a multi-row INSERT of 10,000
// items through the query builder cost ten times what SQLite takes to store them.
const insertItems = (db: Database, studyId: number, items: ItemRow[]) =>
  db.run(sql`
    INSERT INTO batch_items (batch_id, item_key, position, prompt, messages_json, vars_json, expected_json, fields_json)
    SELECT ${studyId}, value ->> '$.key', value ->> '$.position', value ->> '$.prompt', value -> '$.messages', value -> '$.vars',
           value -> '$.expected', value -> '$.fields'
      FROM json_each(${JSON.stringify(items)})`);

/**
 * The tasks with ordinals [from, to). Ordinal: item-major, then sample, then target — each item's
 * samples run side by side: ordinal = (position × S + sample) × T + target.
 */
// (Parameters may arrive as floating point: cast, so that the divisions are integer divisions.)
const insertTasks = (db: Database, studyId: number, T: number, S: number, from: number, to: number) =>
  db.run(sql`
    WITH RECURSIVE
      k(t, s, ts) AS (SELECT CAST(${T} AS INTEGER), CAST(${S} AS INTEGER), CAST(${T * S} AS INTEGER)),
      o(v) AS (SELECT CAST(${from} AS INTEGER) UNION ALL SELECT v + 1 FROM o WHERE v + 1 < ${to})
    INSERT INTO batch_tasks (batch_id, item_id, target_index, sample_index, ordinal, status, calls)
    SELECT ${studyId}, i.id, o.v % k.t, (o.v / k.t) % k.s, o.v, 'pending', 0
      FROM o, k JOIN batch_items i ON i.batch_id = ${studyId} AND i.position = o.v / k.ts`);

/** The run order of positions [from, to): the ordinal of the task each one runs. */
function insertRunOrder(db: Database, studyId: number, order: (position: number) => number, from: number, to: number) {
  const ordinals = Array.from({ length: to - from }, (_, i) => order(from + i));
  return db.run(sql`
    INSERT INTO batch_task_order (batch_id, run_order, ordinal)
    SELECT ${studyId}, ${from} + key, value FROM json_each(${JSON.stringify(ordinals)})`);
}

/** Removes a study that failed while it was being created (it has no calls yet). */
async function discardStudy(db: Database, studyId: number) {
  await db.batch([
    db.delete(batchTaskOrder).where(eq(batchTaskOrder.batchId, studyId)),
    db.delete(batchTasks).where(eq(batchTasks.batchId, studyId)),
    db.delete(batchItems).where(eq(batchItems.batchId, studyId)),
    db.delete(batches).where(eq(batches.groupId, studyId)),
    db.delete(groups).where(eq(groups.id, studyId)),
  ]);
}

export async function getStudy(db: Database, studyId: number) {
  const [row] = await db
    .select({ study: batches, group: groups })
    .from(batches)
    .innerJoin(groups, eq(groups.id, batches.groupId))
    .where(eq(batches.groupId, studyId))
    .limit(1);
  return row;
}

/** Study ids, newest first; `cursor` is the id of the last study of the previous page. */
export async function listStudyIds(db: Database, limit: number, cursor?: number) {
  const rows = await db
    .select({ id: batches.groupId })
    .from(batches)
    .where(cursor !== undefined ? lt(batches.groupId, cursor) : undefined)
    .orderBy(desc(batches.groupId))
    .limit(limit + 1);
  const page = rows.slice(0, limit).map((row) => row.id);
  return { ids: page, nextCursor: rows.length > limit ? page[page.length - 1]! : null };
}

/** Tasks by status, from the counts the study row keeps (see batch_tasks_count_status). */
export async function taskCounts(db: Database, studyId: number) {
  const [row] = await db
    .select({ total: batches.tasksTotal, success: batches.tasksSuccess, failed: batches.tasksFailed })
    .from(batches)
    .where(eq(batches.groupId, studyId))
    .limit(1);
  const counts = row ?? { total: 0, success: 0, failed: 0 };
  return { ...counts, pending: counts.total - counts.success - counts.failed };
}

const runnableColumns = {
  taskId: batchTasks.id,
  ordinal: batchTasks.ordinal,
  targetIndex: batchTasks.targetIndex,
  sampleIndex: batchTasks.sampleIndex,
  itemKey: batchItems.itemKey,
  prompt: batchItems.prompt,
  messages: batchItems.messagesJson,
  vars: batchItems.varsJson,
};

/** The given tasks matching `where`, with what each needs to run (its item's prompt or messages), in the order of `taskIds`. */
export async function runnableTasksByIds(db: Database, taskIds: number[], where: SQL | undefined) {
  if (!taskIds.length) return [];
  const rows = await db
    .select(runnableColumns)
    .from(batchTasks)
    .innerJoin(batchItems, eq(batchItems.id, batchTasks.itemId))
    .where(and(inArray(batchTasks.id, taskIds), where));
  const place = new Map(taskIds.map((id, i) => [id, i]));
  return rows.sort((a, b) => place.get(a.taskId)! - place.get(b.taskId)!);
}

/** Which order a study runs in: its seeded run order, or item order for a study without a seed (made before run orders existed). */
export interface OrderOf {
  groupId: number;
  runSeed: number | null;
}

/**
 * The next `limit` tasks without a success row in run order, after run position `afterPosition`: a
 * range scan of batch_task_order's key, each task then found by its ordinal. A study without a seed
 * runs in item order (its position is its ordinal).
 */
export async function unfinishedTasksAfter(db: Database, study: OrderOf, afterPosition: number, limit: number) {
  if (study.runSeed === null) {
    return db
      .select({ ...runnableColumns, position: batchTasks.ordinal })
      .from(batchTasks)
      .innerJoin(batchItems, eq(batchItems.id, batchTasks.itemId))
      .where(and(eq(batchTasks.batchId, study.groupId), gt(batchTasks.ordinal, afterPosition), ne(batchTasks.status, 'success')))
      .orderBy(asc(batchTasks.ordinal))
      .limit(limit);
  }
  return db
    .select({ ...runnableColumns, position: batchTaskOrder.runOrder })
    .from(batchTaskOrder)
    .innerJoin(batchTasks, and(eq(batchTasks.batchId, batchTaskOrder.batchId), eq(batchTasks.ordinal, batchTaskOrder.ordinal)))
    .innerJoin(batchItems, eq(batchItems.id, batchTasks.itemId))
    .where(and(eq(batchTaskOrder.batchId, study.groupId), gt(batchTaskOrder.runOrder, afterPosition), ne(batchTasks.status, 'success')))
    .orderBy(asc(batchTaskOrder.runOrder))
    .limit(limit);
}

/** Answers per item × target with identical answers counted, for items [offset, offset + limit). */
export async function studyAnswers(db: Database, studyId: number, offset: number, limit: number) {
  const result = await db.all<{
    item_key: string;
    position: number;
    target_index: number;
    status: string;
    text: string | null;
    n: number;
  }>(sql`
    SELECT i.item_key, i.position, t.target_index, t.status,
           CASE WHEN t.status = 'success' THEN json_extract(c.response_json, '$.text') END AS text,
           count(*) AS n
      FROM batch_tasks t
      JOIN batch_items i ON i.id = t.item_id
      LEFT JOIN raw_calls c ON c.id = t.last_call_id
     WHERE t.batch_id = ${studyId} AND i.position >= ${offset} AND i.position < ${offset + limit}
     GROUP BY i.id, t.target_index, t.status, text
     ORDER BY i.position, t.target_index, n DESC`);
  return result;
}

/** The scorers a study keeps (options_json.scorers): POST /api/v1/studies/:id/score without scorers runs these again. */
export async function saveStudyScorers(db: Database, studyId: number, scorers: unknown[]) {
  await db
    .update(batches)
    .set({ optionsJson: sql`json_set(${batches.optionsJson}, '$.scorers', json(${JSON.stringify(scorers)}))` })
    .where(eq(batches.groupId, studyId));
}
