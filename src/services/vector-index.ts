// Nearest-neighbour search over cached embeddings with libSQL's native vector index.
//
// Design. embedding_vectors is the cache of record: every vector, any model, any dimension, in a
// dimensionless F32_BLOB. libsql_vector_idx needs a column of one fixed dimension, and a search only
// makes sense within one model's vector space, so each (model, dimension) gets its own index table
// `embedding_index_<dimension>_<hash of model>` (id = embedding_vectors.id, vector F32_BLOB(dimension))
// with a cosine DiskANN index, listed in `embedding_indexes`. A trigger on embedding_vectors copies
// each new row of that model and dimension into it, so the index follows the cache whichever code
// writes it. Because a table holds only one model's vectors, vector_top_k answers "the k nearest of
// model M" exactly, with no over-fetching; only a group filter needs more: a small group is searched
// exhaustively in SQL (vector_distance_cos over its own rows), a large one over-fetches from the index
// and filters, falling back to the exhaustive search if too few candidates survive.
import type { Client, InStatement } from '@libsql/client';
import { vectorBlob } from '../db/embeddings-repository';
import { sha256Hex } from './request-hash';

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

export interface SearchParams {
  model: string;
  vector: Float32Array;
  k: number;
  groupId?: number;
  /** Rows never to return (the query's own cache entry). */
  excludeIds?: number[];
}

/**
 * DiskANN settings, measured on random 1,536-dimension unit vectors (the hardest case for a graph
 * index; see bench/embeddings.ts). libSQL's defaults keep ~3·√d full-precision neighbours per node:
 * ~120 ms and ~300 KB per inserted row. One-bit neighbours and a short insert list cost ~4 ms and
 * ~10 KB per row; 32 neighbours and a 200-long search list keep recall (a slightly moved stored
 * vector found among its 10 nearest: 0.96 at 20,000 rows, against 0.72 with 16 and 128) for a few
 * more milliseconds per query.
 */
export function indexOptions(dimension: number): string[] {
  return [
    'metric=cosine',
    ...(dimension >= 256 ? ['compress_neighbors=float1bit'] : []),
    'max_neighbors=32',
    'insert_l=16',
    'search_l=200',
  ];
}

/** A group at most this large is searched exhaustively: exact, and cheaper than over-fetching. */
const EXACT_GROUP_LIMIT = 2_000;
const MAX_CANDIDATES = 2_000;
const BACKFILL_CHUNK = 64;
export const MAX_DIMENSION = 65_536;

const sqlString = (value: string) => `'${value.replaceAll("'", "''")}'`;
const yieldTurn = () => new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

export class VectorIndex {
  /** (model, dimension) → its index, once created/verified in this process. */
  private readonly ready = new Map<string, Promise<VectorIndexInfo>>();

  constructor(private readonly client: Client) {}

  static async tableName(model: string, dimension: number): Promise<string> {
    return `embedding_index_${dimension}_${(await sha256Hex(model)).slice(0, 12)}`;
  }

  /** The index for (model, dimension), created (and filled from the cache) on first use. */
  ensure(model: string, dimension: number): Promise<VectorIndexInfo> {
    if (!Number.isInteger(dimension) || dimension < 1 || dimension > MAX_DIMENSION) {
      return Promise.reject(new RangeError(`vector dimension ${dimension} is outside 1..${MAX_DIMENSION}`));
    }
    const key = `${model}\u0000${dimension}`;
    let ready = this.ready.get(key);
    if (!ready) {
      ready = this.create(model, dimension);
      ready.catch(() => this.ready.delete(key));
      this.ready.set(key, ready);
    }
    return ready;
  }

  /** The index to search, or null when nothing of that model and dimension was ever cached. */
  async find(model: string, dimension: number): Promise<VectorIndexInfo | null> {
    const key = `${model}\u0000${dimension}`;
    if (this.ready.has(key)) return this.ready.get(key)!;
    const any = await this.client.execute({
      sql: 'SELECT 1 FROM embedding_vectors WHERE model = ? AND dimension = ? LIMIT 1',
      args: [model, dimension],
    });
    return any.rows.length ? this.ensure(model, dimension) : null;
  }

  private async create(model: string, dimension: number): Promise<VectorIndexInfo> {
    const table = await VectorIndex.tableName(model, dimension);
    const info: VectorIndexInfo = { model, dimension, table, index: `${table}_ann` };
    const options = indexOptions(dimension);
    const match = (row: 'NEW' | 'OLD') => `${row}.model = ${sqlString(model)} AND ${row}.dimension = ${dimension}`;
    // One transaction: the high-water mark is read before the trigger exists, so every row above it
    // is either copied by the trigger or by the backfill below — none can fall in between.
    const results = await this.client.batch(
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
    await this.backfill(info, Number(results[2]!.rows[0]!.high));
    return info;
  }

  /** Copies cached rows above `after` that the trigger did not see (written before it existed). */
  private async backfill(info: VectorIndexInfo, after: number) {
    for (let cursor = after; ; ) {
      const ids = await this.client.execute({
        sql: 'SELECT id FROM embedding_vectors WHERE model = ? AND dimension = ? AND id > ? ORDER BY id LIMIT ?',
        args: [info.model, info.dimension, cursor, BACKFILL_CHUNK],
      });
      if (ids.rows.length === 0) return;
      const last = Number(ids.rows[ids.rows.length - 1]!.id);
      await this.client.execute({
        sql: `INSERT OR IGNORE INTO "${info.table}" (id, vector)
              SELECT id, vector FROM embedding_vectors WHERE model = ? AND dimension = ? AND id > ? AND id <= ?`,
        args: [info.model, info.dimension, cursor, last],
      });
      if (ids.rows.length < BACKFILL_CHUNK) return;
      cursor = last;
      await yieldTurn();
    }
  }

  async search(params: SearchParams): Promise<Neighbor[]> {
    const info = await this.find(params.model, params.vector.length);
    if (!info) return [];
    const query = vectorBlob(params.vector);
    const exclude = params.excludeIds ?? [];
    if (params.groupId === undefined) return this.nearest(info, query, params.k, exclude);

    const groupSize = await this.groupSize(info, params.groupId);
    if (groupSize === 0) return [];
    if (groupSize <= EXACT_GROUP_LIMIT) return this.exactInGroup(info, query, params.k, params.groupId, exclude);
    const total = await this.size(info);
    const wanted = params.k + exclude.length;
    const candidates = Math.min(MAX_CANDIDATES, total, Math.ceil((wanted * total * 3) / groupSize));
    const found = await this.nearest(info, query, params.k, exclude, { groupId: params.groupId, candidates });
    if (found.length >= Math.min(params.k, groupSize - exclude.length) || candidates >= total) return found;
    return this.exactInGroup(info, query, params.k, params.groupId, exclude);
  }

  private async nearest(
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
    return (await this.client.execute(statement)).rows.map(neighborRow);
  }

  private async exactInGroup(info: VectorIndexInfo, query: Uint8Array, k: number, groupId: number, exclude: number[]) {
    const result = await this.client.execute({
      sql: `SELECT ${NEIGHBOR_COLUMNS}, vector_distance_cos(ev.vector, ?) AS distance
            FROM embedding_group_members AS g JOIN embedding_vectors AS ev ON ev.id = g.vector_id
            WHERE g.group_id = ? AND ev.model = ? AND ev.dimension = ?
            ${exclude.length ? `AND ev.id NOT IN (${exclude.map(() => '?').join(',')})` : ''}
            ORDER BY distance LIMIT ?`,
      args: [query, groupId, info.model, info.dimension, ...exclude, k],
    });
    return result.rows.map(neighborRow);
  }

  private async groupSize(info: VectorIndexInfo, groupId: number): Promise<number> {
    const result = await this.client.execute({
      sql: `SELECT count(*) AS n FROM embedding_group_members AS g JOIN embedding_vectors AS ev ON ev.id = g.vector_id
            WHERE g.group_id = ? AND ev.model = ? AND ev.dimension = ?`,
      args: [groupId, info.model, info.dimension],
    });
    return Number(result.rows[0]!.n);
  }

  /** Vectors of this model and dimension, counted on the (model, dimension) index. */
  private async size(info: VectorIndexInfo): Promise<number> {
    const result = await this.client.execute({
      sql: 'SELECT count(*) AS n FROM embedding_vectors WHERE model = ? AND dimension = ?',
      args: [info.model, info.dimension],
    });
    return Number(result.rows[0]!.n);
  }
}

const NEIGHBOR_COLUMNS =
  "ev.id AS vector_id, ev.call_id, ev.request_hash, ev.provider, ev.model, ev.dimension, json_extract(ev.metadata_json, '$.text') AS text";

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
