// SQL for the per-(model, dimension) vector index tables (see vector-index.ts for the design).
import type { Client, InStatement } from '@libsql/client';

export interface VectorIndexInfo {
  model: string;
  dimension: number;
  table: string;
  index: string;
}

export interface Neighbor {
  vector_id: number;
  call_id: number;
  request_hash: string;
  provider: string;
  model: string;
  dimension: number;
  text: string | null;
  /** Cosine distance (1 − cosine similarity): 0 is the same direction, 2 the opposite. */
  distance: number;
}

const sqlString = (value: string) => `'${value.replaceAll("'", "''")}'`;

export async function hasVectors(client: Client, model: string, dimension: number): Promise<boolean> {
  const any = await client.execute({ sql: 'SELECT 1 FROM embedding_vectors WHERE model = ? AND dimension = ? LIMIT 1', args: [model, dimension] });
  return any.rows.length > 0;
}

/**
 * The index table, its DiskANN index, the triggers that keep it in step with embedding_vectors and
 * its row in embedding_indexes, in one transaction. Answers the highest id already in the table: the
 * high-water mark is read before the trigger exists, so every row above it is either copied by the
 * trigger or by the backfill — none can fall in between.
 */
export async function createIndexTable(client: Client, info: VectorIndexInfo, options: string[]): Promise<number> {
  const { model, dimension, table } = info;
  const match = (row: 'NEW' | 'OLD') => `${row}.model = ${sqlString(model)} AND ${row}.dimension = ${dimension}`;
  const results = await client.batch(
    [
      `CREATE TABLE IF NOT EXISTS "${table}" (id INTEGER PRIMARY KEY, vector F32_BLOB(${dimension}) NOT NULL)`,
      `CREATE INDEX IF NOT EXISTS "${info.index}" ON "${table}" (libsql_vector_idx(vector, ${options.map(sqlString).join(', ')}))`,
      `SELECT coalesce(max(id), 0) AS high FROM "${table}"`,
      `CREATE TRIGGER IF NOT EXISTS "${table}_insert" AFTER INSERT ON embedding_vectors WHEN ${match('NEW')}
       BEGIN INSERT OR IGNORE INTO "${table}" (id, vector) VALUES (NEW.id, NEW.vector); END`,
      `CREATE TRIGGER IF NOT EXISTS "${table}_delete" AFTER DELETE ON embedding_vectors WHEN ${match('OLD')}
       BEGIN DELETE FROM "${table}" WHERE id = OLD.id; END`,
      {
        sql: 'INSERT OR IGNORE INTO embedding_indexes (model, dimension, table_name, options) VALUES (?, ?, ?, ?)',
        args: [model, dimension, table, options.join(', ')],
      },
    ],
    'write',
  );
  return Number(results[2]!.rows[0]!.high);
}

/** Copies up to `limit` cached rows above `after` into the index; answers the last id copied, or undefined when none was left. */
export async function backfillIndex(client: Client, info: VectorIndexInfo, after: number, limit: number): Promise<number | undefined> {
  const ids = await client.execute({
    sql: 'SELECT id FROM embedding_vectors WHERE model = ? AND dimension = ? AND id > ? ORDER BY id LIMIT ?',
    args: [info.model, info.dimension, after, limit],
  });
  if (ids.rows.length === 0) return undefined;
  const last = Number(ids.rows[ids.rows.length - 1]!.id);
  await client.execute({
    sql: `INSERT OR IGNORE INTO "${info.table}" (id, vector)
          SELECT id, vector FROM embedding_vectors WHERE model = ? AND dimension = ? AND id > ? AND id <= ?`,
    args: [info.model, info.dimension, after, last],
  });
  return ids.rows.length < limit ? undefined : last;
}

const NEIGHBOR_COLUMNS =
  "ev.id AS vector_id, ev.call_id, ev.request_hash, ev.provider, ev.model, ev.dimension, json_extract(ev.metadata_json, '$.text') AS text";

/** The k nearest through the index (`candidates` of them first, then a group filter, when given). */
export async function nearestByIndex(
  client: Client,
  info: VectorIndexInfo,
  query: Uint8Array,
  k: number,
  exclude: number[],
  filter?: { groupId: number; candidates: number },
): Promise<Neighbor[]> {
  const statement: InStatement = {
    sql: `SELECT ${NEIGHBOR_COLUMNS}, vector_distance_cos(ev.vector, ?) AS distance
          FROM vector_top_k('${info.index}', ?, ?) AS top
          JOIN embedding_vectors AS ev ON ev.id = top.id
          WHERE 1 = 1 ${exclude.length ? `AND ev.id NOT IN (${exclude.map(() => '?').join(',')})` : ''}
          ${filter ? 'AND ev.id IN (SELECT vector_id FROM embedding_group_members WHERE group_id = ?)' : ''}
          ORDER BY distance LIMIT ?`,
    args: [query, query, filter ? filter.candidates : k + exclude.length, ...exclude, ...(filter ? [filter.groupId] : []), k],
  };
  return (await client.execute(statement)).rows.map(neighborRow);
}

/** The k nearest among a group's vectors, computed exactly (no index). */
export async function nearestInGroup(client: Client, info: VectorIndexInfo, query: Uint8Array, k: number, groupId: number, exclude: number[]) {
  const result = await client.execute({
    sql: `SELECT ${NEIGHBOR_COLUMNS}, vector_distance_cos(ev.vector, ?) AS distance
          FROM embedding_group_members AS g JOIN embedding_vectors AS ev ON ev.id = g.vector_id
          WHERE g.group_id = ? AND ev.model = ? AND ev.dimension = ?
          ${exclude.length ? `AND ev.id NOT IN (${exclude.map(() => '?').join(',')})` : ''}
          ORDER BY distance LIMIT ?`,
    args: [query, groupId, info.model, info.dimension, ...exclude, k],
  });
  return result.rows.map(neighborRow);
}

export async function groupVectorCount(client: Client, info: VectorIndexInfo, groupId: number): Promise<number> {
  const result = await client.execute({
    sql: `SELECT count(*) AS n FROM embedding_group_members AS g JOIN embedding_vectors AS ev ON ev.id = g.vector_id
          WHERE g.group_id = ? AND ev.model = ? AND ev.dimension = ?`,
    args: [groupId, info.model, info.dimension],
  });
  return Number(result.rows[0]!.n);
}

/** Vectors of this model and dimension, counted on the (model, dimension) index. */
export async function vectorCount(client: Client, info: VectorIndexInfo): Promise<number> {
  const result = await client.execute({ sql: 'SELECT count(*) AS n FROM embedding_vectors WHERE model = ? AND dimension = ?', args: [info.model, info.dimension] });
  return Number(result.rows[0]!.n);
}

function neighborRow(row: Record<string, unknown>): Neighbor {
  return {
    vector_id: Number(row.vector_id),
    call_id: Number(row.call_id),
    request_hash: String(row.request_hash),
    provider: String(row.provider),
    model: String(row.model),
    dimension: Number(row.dimension),
    text: row.text == null ? null : String(row.text),
    distance: Number(row.distance),
  };
}
