// SQL for the v1 import: reading the v1 app's inference_runs table, and writing the calls, batch
// groups and bookkeeping (legacy_imported_runs, legacy_imported_batches) it becomes in v2.
import type { Client, InStatement, Row, Transaction } from '@libsql/client';

/** A client, or an open transaction on one: the import writes through a transaction. */
export type SqlRunner = Pick<Transaction, 'execute' | 'batch'>;

const LOOKUP_CHUNK = 500;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// ---- v1: inference_runs -------------------------------------------------------------------------

/** The columns the v1 app's SQLAlchemy model created (batch_id came later, so it may be missing). */
export const V1_REQUIRED_COLUMNS = ['id', 'prompt', 'response', 'provider', 'created_at'];
export const V1_OPTIONAL_COLUMNS = ['tokens', 'latency_ms', 'metadata', 'batch_id'];

/** The columns of inference_runs; none when this file has no such table. */
export async function v1ColumnNames(legacy: Client): Promise<Set<string>> {
  const info = await legacy.execute("SELECT name FROM pragma_table_info('inference_runs')");
  return new Set(info.rows.map((r) => String(r.name)));
}

/** The SELECT list for inference_runs, with NULL for optional columns this v1 file lacks. */
export function v1SelectList(present: Set<string>): string {
  return [...V1_REQUIRED_COLUMNS, ...V1_OPTIONAL_COLUMNS.map((c) => (present.has(c) ? c : `NULL AS ${c}`))].join(', ');
}

/**
 * Something every v1 row must satisfy before anything is imported: `breaking` is the WHERE clause that
 * picks the rows breaking it; `column` names the optional column it needs (skipped when absent).
 * Integers beyond 2^53 are refused: JavaScript could not read them back exactly. (created_at is
 * checked in checkV1Source, with the parser the import itself uses.)
 */
export interface V1RowRule {
  problem: string;
  breaking: string;
  column?: string;
}

/** The rules on id come first: the other checks, and the import, read the rows a page of ids at a time. */
export const V1_ID_RULES: V1RowRule[] = [
  { problem: 'id is not an integer', breaking: `typeof(id) != 'integer' OR abs(id) > ${MAX_SAFE}` },
  { problem: 'id is not unique', breaking: 'id IN (SELECT id FROM inference_runs GROUP BY id HAVING count(*) > 1)' },
];

export const V1_ROW_RULES: V1RowRule[] = [
  { problem: 'provider is not text', breaking: `typeof(provider) != 'text' OR provider = ''` },
  { problem: 'prompt is not text', breaking: `typeof(prompt) NOT IN ('text', 'null')` },
  { problem: 'response is not text', breaking: `typeof(response) NOT IN ('text', 'null')` },
  {
    problem: 'tokens is not a whole number',
    column: 'tokens',
    breaking: `tokens IS NOT NULL AND (typeof(tokens) != 'integer' OR abs(tokens) > ${MAX_SAFE})`,
  },
  {
    problem: 'latency_ms is not a number',
    column: 'latency_ms',
    breaking: `latency_ms IS NOT NULL AND (typeof(latency_ms) NOT IN ('integer', 'real') OR abs(latency_ms) > ${MAX_SAFE})`,
  },
  { problem: 'metadata is binary, not JSON or text', column: 'metadata', breaking: `typeof(metadata) = 'blob'` },
  { problem: 'batch_id is binary, not text', column: 'batch_id', breaking: `typeof(batch_id) = 'blob'` },
];

/** How many rows match `breaking`, and the first `limit` of their ids (quoted when not an integer). */
export async function v1RowsBreaking(legacy: Client, breaking: string, limit: number): Promise<{ rows: number; ids: Array<number | string> }> {
  const result = await legacy.execute({
    sql: `SELECT count(*) AS n,
                 (SELECT json_group_array(shown) FROM (
                    SELECT CASE WHEN typeof(id) = 'integer' AND abs(id) <= ${MAX_SAFE} THEN id ELSE quote(id) END AS shown
                      FROM inference_runs WHERE ${breaking} ORDER BY id LIMIT ?)) AS ids
            FROM inference_runs WHERE ${breaking}`,
    args: [limit],
  });
  const row = result.rows[0]!;
  return { rows: Number(row.n), ids: JSON.parse(String(row.ids ?? '[]')) as Array<number | string> };
}

/** A page of (id, created_at), ids after `after`; numeric times come back as reals, whatever their size. */
export async function v1TimestampPage(legacy: Client, after: number, limit: number): Promise<Array<{ id: number; createdAt: unknown }>> {
  const page = await legacy.execute({
    sql: `SELECT id, CASE WHEN typeof(created_at) IN ('integer', 'real') THEN CAST(created_at AS REAL) ELSE created_at END AS created_at
            FROM inference_runs WHERE id > ? ORDER BY id LIMIT ?`,
    args: [after, limit],
  });
  return page.rows.map((r) => ({ id: Number(r.id), createdAt: r.created_at }));
}

export async function v1RunPage(legacy: Client, select: string, after: number, limit: number): Promise<Row[]> {
  const page = await legacy.execute({ sql: `SELECT ${select} FROM inference_runs WHERE id > ? ORDER BY id LIMIT ?`, args: [after, limit] });
  return page.rows;
}

export async function v1RunAtOffset(legacy: Client, select: string, offset: number): Promise<Row | undefined> {
  return (await legacy.execute({ sql: `SELECT ${select} FROM inference_runs ORDER BY id LIMIT 1 OFFSET ?`, args: [offset] })).rows[0];
}

export async function v1RunCount(legacy: Client): Promise<number> {
  return Number((await legacy.execute('SELECT count(*) AS n FROM inference_runs')).rows[0]!.n);
}

/** Every v1 batch_id, in the order its first run was recorded. */
export async function v1BatchIds(legacy: Client): Promise<Array<string | number>> {
  const batches = await legacy.execute('SELECT batch_id FROM inference_runs WHERE batch_id IS NOT NULL GROUP BY batch_id ORDER BY min(id)');
  return batches.rows.map((r) => r.batch_id as string | number);
}

/** The runs of one v1 batch in v1 order (created_at, then id). */
export async function v1BatchRunIds(legacy: Client, batchId: string | number): Promise<number[]> {
  const runs = await legacy.execute({ sql: 'SELECT id FROM inference_runs WHERE batch_id = ? ORDER BY created_at, id', args: [batchId] });
  return runs.rows.map((r) => Number(r.id));
}

export async function v1BatchSizes(legacy: Client): Promise<Array<{ batchId: string; runs: number }>> {
  const sizes = await legacy.execute('SELECT batch_id, count(*) AS n FROM inference_runs WHERE batch_id IS NOT NULL GROUP BY batch_id');
  return sizes.rows.map((r) => ({ batchId: String(r.batch_id), runs: Number(r.n) }));
}

// ---- v2: what an import writes ------------------------------------------------------------------

/** One v1 run as the raw_calls row that represents it. */
export interface ImportedCall {
  v1Id: number;
  provider: string;
  model: string;
  requestJson: string;
  responseJson: string;
  latencyMs: number | null;
  tokensJson: string | null;
  totalTokens: number | null;
  requestHash: string;
  metadataJson: string;
  createdAt: string;
}

/** Each call and the row remembering which v1 run it came from, in one batch of statements. */
export async function insertImportedCalls(db: SqlRunner, calls: ImportedCall[]): Promise<void> {
  if (calls.length === 0) return;
  const statements: InStatement[] = calls.flatMap((call) => [
    {
      sql: `INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, error_json, latency_ms,
                                   tokens_json, total_tokens, request_hash, metadata_json, created_at)
            VALUES (?, ?, 'chat', 'success', ?, ?, NULL, ?, ?, ?, ?, ?, ?)`,
      args: [
        call.provider, call.model, call.requestJson, call.responseJson, call.latencyMs, call.tokensJson,
        call.totalTokens, call.requestHash, call.metadataJson, call.createdAt,
      ],
    },
    { sql: 'INSERT INTO legacy_imported_runs (v1_id, call_id) VALUES (?, last_insert_rowid())', args: [call.v1Id] },
  ]);
  await db.batch(statements);
}

/** v1 id → v2 call id, for the ids already imported. */
export async function importedCallIds(db: SqlRunner, v1Ids: number[]): Promise<Map<number, number>> {
  const mapped = new Map<number, number>();
  for (let start = 0; start < v1Ids.length; start += LOOKUP_CHUNK) {
    const chunk = v1Ids.slice(start, start + LOOKUP_CHUNK);
    const result = await db.execute({
      sql: `SELECT v1_id, call_id FROM legacy_imported_runs WHERE v1_id IN (${chunk.map(() => '?').join(',')})`,
      args: chunk,
    });
    for (const row of result.rows) mapped.set(Number(row.v1_id), Number(row.call_id));
  }
  return mapped;
}

export async function importedBatchGroup(db: SqlRunner, v1BatchId: string): Promise<number | null> {
  const found = await db.execute({ sql: 'SELECT group_id FROM legacy_imported_batches WHERE v1_batch_id = ?', args: [v1BatchId] });
  return found.rows.length ? Number(found.rows[0]!.group_id) : null;
}

/** A `batch` group for a v1 batch_id, remembered in legacy_imported_batches. */
export async function createImportedBatchGroup(db: SqlRunner, v1BatchId: string): Promise<number> {
  const created = await db.execute({
    sql: `INSERT INTO groups (group_type, name, description, metadata_json) VALUES ('batch', ?, ?, ?) RETURNING id`,
    args: [`v1 batch ${v1BatchId}`, 'Imported from the v1 database', JSON.stringify({ source: 'import-v1', v1_batch_id: v1BatchId })],
  });
  const groupId = Number(created.rows[0]!.id);
  await db.execute({ sql: 'INSERT INTO legacy_imported_batches (v1_batch_id, group_id) VALUES (?, ?)', args: [v1BatchId, groupId] });
  return groupId;
}

/** The calls already in a group, and the last position used. */
export async function groupMembership(db: SqlRunner, groupId: number): Promise<{ callIds: Set<number>; lastPosition: number }> {
  const existing = await db.execute({ sql: 'SELECT call_id, position FROM group_members WHERE group_id = ?', args: [groupId] });
  return {
    callIds: new Set(existing.rows.map((r) => Number(r.call_id))),
    lastPosition: existing.rows.reduce((top, r) => Math.max(top, Number(r.position ?? -1)), -1),
  };
}

/** Appends calls to a batch group at the positions given, as role `v1_run`. */
export async function addImportedMembers(db: SqlRunner, groupId: number, members: Array<{ callId: number; position: number }>): Promise<void> {
  if (members.length === 0) return;
  await db.batch(
    members.map((m) => ({
      sql: 'INSERT OR IGNORE INTO group_members (group_id, call_id, position, role) VALUES (?, ?, ?, ?)',
      args: [groupId, m.callId, m.position, 'v1_run'],
    })),
  );
}

// ---- v2: what the backfill report reads ---------------------------------------------------------

/** Imported runs whose call exists. */
export async function importedRunCount(client: Client): Promise<number> {
  const result = await client.execute('SELECT count(*) AS n FROM legacy_imported_runs AS l JOIN raw_calls AS r ON r.id = l.call_id');
  return Number(result.rows[0]!.n);
}

export async function importedTimeRange(client: Client): Promise<{ first: string | null; last: string | null }> {
  const result = await client.execute(
    'SELECT min(r.created_at) AS first, max(r.created_at) AS last FROM legacy_imported_runs AS l JOIN raw_calls AS r ON r.id = l.call_id',
  );
  const row = result.rows[0]!;
  return { first: (row.first as string | null) ?? null, last: (row.last as string | null) ?? null };
}

/** Every imported v1 batch with its group and member count. */
export async function importedBatchSizes(client: Client): Promise<Array<{ batchId: string; groupId: number; members: number }>> {
  const sizes = await client.execute(
    `SELECT b.v1_batch_id, b.group_id, count(m.call_id) AS n FROM legacy_imported_batches AS b
     LEFT JOIN group_members AS m ON m.group_id = b.group_id GROUP BY b.v1_batch_id, b.group_id`,
  );
  return sizes.rows.map((r) => ({ batchId: String(r.v1_batch_id), groupId: Number(r.group_id), members: Number(r.n) }));
}

export async function callRow(client: Client, callId: number): Promise<Row | undefined> {
  return (await client.execute({ sql: 'SELECT * FROM raw_calls WHERE id = ?', args: [callId] })).rows[0];
}

export async function isGroupMember(client: Client, groupId: number, callId: number): Promise<boolean> {
  const found = await client.execute({ sql: 'SELECT 1 FROM group_members WHERE group_id = ? AND call_id = ?', args: [groupId, callId] });
  return found.rows.length > 0;
}
