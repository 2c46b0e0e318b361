// SQL for embedding_vectors (the cache of record) and embedding_group_members.
import type { Client, InStatement } from '@libsql/client';

/** A vector as libSQL stores an F32_BLOB: little-endian float32s, 4 bytes each, no header. */
export function vectorBlob(vector: Float32Array): Uint8Array {
  return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
}

export function blobVector(blob: unknown): Float32Array {
  if (blob instanceof ArrayBuffer) return new Float32Array(blob.slice(0));
  if (ArrayBuffer.isView(blob)) return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
  throw new TypeError('expected a vector blob');
}

export interface CachedVector {
  id: number;
  requestHash: string;
  callId: number;
  dimension: number;
  vector?: Float32Array;
}

const LOOKUP_CHUNK = 500;

/** Cache lookup through the unique index on request_hash — never a scan. */
export async function findCachedVectors(
  client: Client,
  hashes: string[],
  withVectors: boolean,
  slice?: () => Promise<void> | undefined,
): Promise<Map<string, CachedVector>> {
  const found = new Map<string, CachedVector>();
  for (let start = 0; start < hashes.length; start += LOOKUP_CHUNK) {
    await slice?.();
    const chunk = hashes.slice(start, start + LOOKUP_CHUNK);
    const result = await client.execute({
      sql: `SELECT id, request_hash, call_id, dimension${withVectors ? ', vector' : ''} FROM embedding_vectors
            WHERE request_hash IN (${chunk.map(() => '?').join(',')})`,
      args: chunk,
    });
    for (const row of result.rows) {
      found.set(String(row.request_hash), {
        id: Number(row.id),
        requestHash: String(row.request_hash),
        callId: Number(row.call_id),
        dimension: Number(row.dimension),
        ...(withVectors ? { vector: blobVector(row.vector) } : {}),
      });
    }
  }
  return found;
}

export interface NewVector {
  callId: number;
  requestHash: string;
  provider: string;
  model: string;
  vector: Float32Array;
  norm: number;
  metadata: Record<string, unknown>;
}

// Each insert also feeds the vector index (a trigger), which costs milliseconds per row at 1,536
// dimensions, about in proportion to the dimension; embedded libSQL runs on the event loop, so rows
// go in small transactions (about this many floats each) with a turn of the loop between them and
// the server keeps answering meanwhile.
const FLOATS_PER_TRANSACTION = 8_192;
const MAX_ROWS_PER_TRANSACTION = 64;
const yieldTurn = () => new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

/**
 * Inserts vectors, a few dozen per transaction. A text embedded at the same moment by another
 * request is already there (same request_hash): that row is kept. Returns the row id for every hash.
 */
export async function insertVectors(client: Client, vectors: NewVector[]): Promise<Map<string, number>> {
  if (vectors.length === 0) return new Map();
  const createdAt = new Date().toISOString();
  const rowsPerTransaction = Math.max(1, Math.min(MAX_ROWS_PER_TRANSACTION, Math.floor(FLOATS_PER_TRANSACTION / vectors[0]!.vector.length)));
  for (let start = 0; start < vectors.length; start += rowsPerTransaction) {
    if (start > 0) await yieldTurn();
    const statements: InStatement[] = vectors.slice(start, start + rowsPerTransaction).map((v) => ({
      sql: `INSERT INTO embedding_vectors (call_id, request_hash, provider, model, dimension, vector, norm, metadata_json, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_hash) DO NOTHING`,
      args: [v.callId, v.requestHash, v.provider, v.model, v.vector.length, vectorBlob(v.vector), v.norm, JSON.stringify(v.metadata), createdAt],
    }));
    await client.batch(statements, 'write');
  }
  const stored = await findCachedVectors(
    client,
    vectors.map((v) => v.requestHash),
    false,
  );
  return new Map([...stored].map(([hash, row]) => [hash, row.id]));
}

export async function addVectorsToGroup(client: Client, groupId: number, vectorIds: number[]): Promise<void> {
  const unique = [...new Set(vectorIds)];
  const statements: InStatement[] = [];
  for (let start = 0; start < unique.length; start += LOOKUP_CHUNK) {
    const chunk = unique.slice(start, start + LOOKUP_CHUNK);
    statements.push({
      sql: `INSERT OR IGNORE INTO embedding_group_members (group_id, vector_id) VALUES ${chunk.map(() => '(?, ?)').join(',')}`,
      args: chunk.flatMap((id) => [groupId, id]),
    });
  }
  if (statements.length) await client.batch(statements, 'write');
}

/** Euclidean norm, accumulated in float64. */
export function vectorNorm(vector: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  return Math.sqrt(sum);
}

/** Cached vectors per (model, dimension), counted on the (model, dimension) index. */
export async function cachedModels(client: Client): Promise<Array<{ model: string; dimension: number; vectors: number }>> {
  const result = await client.execute(
    'SELECT model, dimension, count(*) AS vectors FROM embedding_vectors GROUP BY model, dimension ORDER BY model, dimension',
  );
  return result.rows.map((row) => ({ model: String(row.model), dimension: Number(row.dimension), vectors: Number(row.vectors) }));
}

/** The largest dimension cached for a model (one index row per model and dimension), or undefined. */
export async function largestCachedDimension(client: Client, model: string): Promise<number | undefined> {
  const result = await client.execute({ sql: 'SELECT max(dimension) AS d FROM embedding_indexes WHERE model = ?', args: [model] });
  const value = result.rows[0]?.d;
  return value == null ? undefined : Number(value);
}
