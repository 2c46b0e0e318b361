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
import type { Client } from '@libsql/client';
import { vectorBlob } from './repository';
import {
  backfillIndex,
  createIndexTable,
  groupVectorCount,
  hasVectors,
  nearestByIndex,
  nearestInGroup,
  vectorCount,
  type Neighbor,
  type VectorIndexInfo,
} from './vector-index-repository';
import { sha256Hex } from '../capture/request-hash';

export type { Neighbor, VectorIndexInfo } from './vector-index-repository';

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
    return (await hasVectors(this.client, model, dimension)) ? this.ensure(model, dimension) : null;
  }

  private async create(model: string, dimension: number): Promise<VectorIndexInfo> {
    const table = await VectorIndex.tableName(model, dimension);
    const info: VectorIndexInfo = { model, dimension, table, index: `${table}_ann` };
    const high = await createIndexTable(this.client, info, indexOptions(dimension));
    // Rows cached before the trigger existed, a chunk at a time with a turn of the loop between.
    for (let after: number | undefined = high; after !== undefined; ) {
      after = await backfillIndex(this.client, info, after, BACKFILL_CHUNK);
      if (after !== undefined) await yieldTurn();
    }
    return info;
  }

  async search(params: SearchParams): Promise<Neighbor[]> {
    const info = await this.find(params.model, params.vector.length);
    if (!info) return [];
    const query = vectorBlob(params.vector);
    const exclude = params.excludeIds ?? [];
    if (params.groupId === undefined) return nearestByIndex(this.client, info, query, params.k, exclude);

    const groupSize = await groupVectorCount(this.client, info, params.groupId);
    if (groupSize === 0) return [];
    if (groupSize <= EXACT_GROUP_LIMIT) return nearestInGroup(this.client, info, query, params.k, params.groupId, exclude);
    const total = await vectorCount(this.client, info);
    const wanted = params.k + exclude.length;
    const candidates = Math.min(MAX_CANDIDATES, total, Math.ceil((wanted * total * 3) / groupSize));
    const found = await nearestByIndex(this.client, info, query, params.k, exclude, { groupId: params.groupId, candidates });
    if (found.length >= Math.min(params.k, groupSize - exclude.length) || candidates >= total) return found;
    return nearestInGroup(this.client, info, query, params.k, params.groupId, exclude);
  }
}
