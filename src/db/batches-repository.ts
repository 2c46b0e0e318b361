// SQL for batches: the matrix of (item, target, sample) tasks, their progress and their answers.
import { and, asc, eq, gt, ne, sql, type SQL } from 'drizzle-orm';
import type { RunStamp } from './batch-runs-repository';
import type { Database } from './client';
import { batchItems, batches, batchTasks, groups, type BatchTarget, type JsonObject } from './schema';

export interface NewBatchItem {
  key: string;
  prompt?: string;
  messages?: JsonObject[];
  vars?: Record<string, string>;
}

export interface NewBatch {
  name: string;
  description?: string;
  targets: BatchTarget[];
  samples: number;
  concurrency: number;
  template?: string;
  options: JsonObject;
  items: NewBatchItem[];
}

const ITEMS_PER_STATEMENT = 2_000;

/** Creates the batch group, its items and every (item, target, sample) task, atomically, owned by the run `stamp`. */
export async function createBatch(db: Database, batch: NewBatch, stamp: RunStamp): Promise<number> {
  const now = stamp.now;
  const [group] = await db
    .insert(groups)
    .values({
      groupType: 'batch',
      name: batch.name,
      description: batch.description ?? null,
      metadataJson: { targets: batch.targets, samples: batch.samples, items: batch.items.length },
    })
    .returning({ id: groups.id });
  const batchId = group!.id;
  // Items go in as one JSON array parameter per statement: building a multi-row INSERT of 10,000
  // items through the query builder cost ten times what SQLite takes to store them.
  const itemChunks = chunk(
    batch.items.map((item) => ({ key: item.key, prompt: item.prompt, messages: item.messages, vars: item.vars })),
    ITEMS_PER_STATEMENT,
  );
  const T = batch.targets.length;
  const S = batch.samples;
  const statements = [
    db.insert(batches).values({
      groupId: batchId,
      status: 'running',
      targetsJson: batch.targets,
      samples: S,
      concurrency: batch.concurrency,
      template: batch.template ?? null,
      optionsJson: batch.options,
      updatedAt: now,
      runId: stamp.runId,
      runner: stamp.runner,
      heartbeatAt: now,
    }),
    ...itemChunks.map((items, c) =>
      db.run(sql`
        INSERT INTO batch_items (batch_id, item_key, position, prompt, messages_json, vars_json)
        SELECT ${batchId}, value ->> '$.key', ${c * ITEMS_PER_STATEMENT} + key, value ->> '$.prompt', value -> '$.messages', value -> '$.vars'
          FROM json_each(${JSON.stringify(items)})`),
    ),
    // Ordinal: item-major, then sample, then target — each item's samples run side by side.
    db.run(sql`
      WITH RECURSIVE t(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM t WHERE v + 1 < ${T}),
                     s(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM s WHERE v + 1 < ${S})
      INSERT INTO batch_tasks (batch_id, item_id, target_index, sample_index, ordinal, status, calls)
      SELECT i.batch_id, i.id, t.v, s.v, (i.position * ${S} + s.v) * ${T} + t.v, 'pending', 0
        FROM batch_items i, t, s
       WHERE i.batch_id = ${batchId}
       ORDER BY i.position, s.v, t.v`),
  ];
  await db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
  return batchId;
}

export async function getBatch(db: Database, batchId: number) {
  const [row] = await db
    .select({ batch: batches, group: groups })
    .from(batches)
    .innerJoin(groups, eq(groups.id, batches.groupId))
    .where(eq(batches.groupId, batchId))
    .limit(1);
  return row;
}

export async function listBatches(db: Database, limit = 50) {
  return db
    .select({ batch: batches, group: groups })
    .from(batches)
    .innerJoin(groups, eq(groups.id, batches.groupId))
    .orderBy(sql`${batches.groupId} DESC`)
    .limit(limit);
}

export async function taskCounts(db: Database, batchId: number) {
  const rows = await db
    .select({ status: batchTasks.status, n: sql<number>`count(*)` })
    .from(batchTasks)
    .where(eq(batchTasks.batchId, batchId))
    .groupBy(batchTasks.status);
  const counts = { total: 0, success: 0, failed: 0, pending: 0 };
  for (const row of rows) {
    counts.total += row.n;
    if (row.status === 'success' || row.status === 'failed' || row.status === 'pending') counts[row.status] += row.n;
  }
  return counts;
}

/** Tasks matching `where`, in run order, with what each needs to run (its item's prompt or messages). */
export function selectRunnableTasks(db: Database, where: SQL | undefined) {
  return db
    .select({
      taskId: batchTasks.id,
      ordinal: batchTasks.ordinal,
      targetIndex: batchTasks.targetIndex,
      sampleIndex: batchTasks.sampleIndex,
      itemKey: batchItems.itemKey,
      prompt: batchItems.prompt,
      messages: batchItems.messagesJson,
      vars: batchItems.varsJson,
    })
    .from(batchTasks)
    .innerJoin(batchItems, eq(batchItems.id, batchTasks.itemId))
    .where(where)
    .orderBy(asc(batchTasks.ordinal));
}

/** The next `limit` tasks without a success row, in run order, after the task at `afterOrdinal`. */
export async function unfinishedTasksAfter(db: Database, batchId: number, afterOrdinal: number, limit: number) {
  return selectRunnableTasks(
    db,
    and(eq(batchTasks.batchId, batchId), gt(batchTasks.ordinal, afterOrdinal), ne(batchTasks.status, 'success')),
  ).limit(limit);
}

/** Answers per item × target with identical answers counted, for items [offset, offset + limit). */
export async function batchAnswers(db: Database, batchId: number, offset: number, limit: number) {
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
     WHERE t.batch_id = ${batchId} AND i.position >= ${offset} AND i.position < ${offset + limit}
     GROUP BY i.id, t.target_index, t.status, text
     ORDER BY i.position, t.target_index, n DESC`);
  return result;
}

function chunk<T>(values: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < values.length; i += size) chunks.push(values.slice(i, i + size));
  return chunks;
}
