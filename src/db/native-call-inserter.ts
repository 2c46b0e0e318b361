// Node fast path for the hottest write: captured calls go through one cached prepared INSERT on a
// native libSQL connection to the same file, a whole group in one transaction. (@libsql/client
// prepares every statement anew — with raw_calls' triggers that costs more than the insert.)
// Synchronous from BEGIN to COMMIT, so it never interleaves with the client's own writes.
import Database from 'libsql';
import { BUSY_TIMEOUT_MS, localDatabasePath } from './client';
import type { NewRawCall } from './schema';

const COLUMNS = [
  'provider', 'model', 'modality', 'status', 'request_json', 'response_json', 'error_json', 'latency_ms', 'tokens_json',
  'prompt_tokens', 'completion_tokens', 'total_tokens', 'cost_usd', 'request_hash', 'metadata_json', 'created_at',
] as const;

const json = (value: unknown) => (value == null ? null : JSON.stringify(value));

function rowValues(row: NewRawCall): unknown[] {
  return [
    row.provider, row.model, row.modality, row.status, json(row.requestJson), json(row.responseJson), json(row.errorJson),
    row.latencyMs ?? null, json(row.tokensJson), row.promptTokens ?? null, row.completionTokens ?? null, row.totalTokens ?? null,
    row.costUsd ?? null, row.requestHash, json(row.metadataJson), row.createdAt ?? new Date().toISOString(),
  ];
}

export type CallInserter = ((rows: NewRawCall[]) => number[]) & { close?: () => void };

/** For `file:` URLs only; undefined elsewhere (remote libSQL goes through the client). */
export function nativeCallInserter(url: string): CallInserter | undefined {
  const path = localDatabasePath(url);
  if (!path) return undefined;
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  db.exec('PRAGMA synchronous = NORMAL');
  const prepare = () =>
    db.prepare(`INSERT INTO raw_calls (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')}) RETURNING id`);
  let insert = prepare();
  const insertAll = db.transaction((rows: NewRawCall[]) => rows.map((row) => Number((insert.get(...rowValues(row)) as { id: number }).id)));
  const insertRows = (rows: NewRawCall[]) => {
    try {
      return insertAll(rows);
    } catch (error) {
      // A statement that failed is left unusable by the native driver: prepare it again.
      insert = prepare();
      throw error;
    }
  };
  return Object.assign(insertRows, { close: () => db.close() });
}
