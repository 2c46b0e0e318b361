// Legacy import: the earlier Python app's v1 SQLite database (table inference_runs) into schema v2.
// Each v1 run becomes one raw_calls row (request_json {prompt}, response_json {text}, status success);
// each v1 batch_id becomes a `batch` group with its runs as members in order. legacy_imported_runs and
// legacy_imported_batches remember what was imported, so a re-run adds nothing twice.
import type { Client, InStatement, InValue, Row } from '@libsql/client';
import { requestHash } from './request-hash';

export interface ImportTarget {
  client: Client;
}

export interface ImportOptions {
  /** v1 rows per transaction. */
  pageSize?: number;
  onProgress?: (imported: number) => void;
}

export interface ImportCounts {
  runs_imported: number;
  runs_already_imported: number;
  batches_created: number;
  members_added: number;
  /** v1 rows whose created_at could not be read; they were imported with the import time. */
  unreadable_timestamps: number[];
}

/** The columns the v1 app's SQLAlchemy model created (batch_id came later, so it may be missing). */
const REQUIRED_COLUMNS = ['id', 'prompt', 'response', 'provider', 'created_at'];
const OPTIONAL_COLUMNS = ['tokens', 'latency_ms', 'metadata', 'batch_id'];
const PAGE_SIZE = 500;
const LOOKUP_CHUNK = 500;

export class LegacyImportError extends Error {
  override name = 'LegacyImportError';
}

/** The SELECT list for inference_runs, with NULL for optional columns this v1 file lacks. */
export async function v1Columns(legacy: Client): Promise<string> {
  const info = await legacy.execute("SELECT name FROM pragma_table_info('inference_runs')");
  const present = new Set(info.rows.map((r) => String(r.name)));
  if (present.size === 0) throw new LegacyImportError('This database has no inference_runs table: is it a v1 database?');
  const missing = REQUIRED_COLUMNS.filter((c) => !present.has(c));
  if (missing.length) throw new LegacyImportError(`inference_runs lacks column(s) ${missing.join(', ')}`);
  return [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS.map((c) => (present.has(c) ? c : `NULL AS ${c}`))].join(', ');
}

export async function importV1(target: ImportTarget, legacy: Client, options: ImportOptions = {}): Promise<ImportCounts> {
  const columns = await v1Columns(legacy);
  const counts: ImportCounts = { runs_imported: 0, runs_already_imported: 0, batches_created: 0, members_added: 0, unreadable_timestamps: [] };
  const pageSize = options.pageSize ?? PAGE_SIZE;
  for (let after = Number.MIN_SAFE_INTEGER; ; ) {
    const page = await legacy.execute({ sql: `SELECT ${columns} FROM inference_runs WHERE id > ? ORDER BY id LIMIT ?`, args: [after, pageSize] });
    if (page.rows.length === 0) break;
    const ids = page.rows.map((r) => Number(r.id));
    const done = await mappedCalls(target.client, ids);
    const fresh = page.rows.filter((r) => !done.has(Number(r.id)));
    counts.runs_already_imported += page.rows.length - fresh.length;
    const statements: InStatement[] = [];
    for (const row of fresh) {
      const call = await v2Call(row);
      if (call.createdAt === null) counts.unreadable_timestamps.push(Number(row.id));
      statements.push(call.insert, { sql: 'INSERT INTO legacy_imported_runs (v1_id, call_id) VALUES (?, last_insert_rowid())', args: [Number(row.id)] });
    }
    // One transaction per page: a crash leaves whole pages imported and recorded, never half of one.
    if (statements.length) await target.client.batch(statements, 'write');
    counts.runs_imported += fresh.length;
    options.onProgress?.(counts.runs_imported);
    after = ids[ids.length - 1]!;
    if (page.rows.length < pageSize) break;
  }
  await importBatches(target, legacy, counts);
  return counts;
}

/** A v1 row as the raw_calls INSERT that represents it in v2. */
async function v2Call(row: Row): Promise<{ insert: InStatement; createdAt: string | null }> {
  const provider = String(row.provider);
  const request = { prompt: row.prompt == null ? null : String(row.prompt) };
  const v1Metadata = parseJson(row.metadata);
  const tokens = row.tokens == null ? null : Number(row.tokens);
  const createdAt = v1TimestampToIso(row.created_at);
  const metadata = {
    source: 'import-v1',
    v1_id: Number(row.id),
    v1_created_at: row.created_at == null ? null : String(row.created_at),
    ...(row.batch_id != null ? { v1_batch_id: String(row.batch_id) } : {}),
    // Kept whole and nested: v1 keys never collide with v2's own metadata keys.
    ...(v1Metadata !== undefined ? { v1_metadata: v1Metadata } : {}),
  };
  const args: InValue[] = [
    provider,
    modelOf(v1Metadata),
    JSON.stringify(request),
    JSON.stringify({ text: row.response == null ? null : String(row.response) }),
    row.latency_ms == null ? null : Number(row.latency_ms),
    tokens === null ? null : JSON.stringify({ total: tokens }),
    tokens,
    await requestHash({ provider, request }),
    JSON.stringify(metadata),
    createdAt ?? new Date().toISOString(),
  ];
  return {
    createdAt,
    insert: {
      sql: `INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, error_json, latency_ms,
                                   tokens_json, total_tokens, request_hash, metadata_json, created_at)
            VALUES (?, ?, 'chat', 'success', ?, ?, NULL, ?, ?, ?, ?, ?, ?)`,
      args,
    },
  };
}

/** v1 batch_id → a `batch` group (created once), members appended in v1 order (created_at, id). */
async function importBatches(target: ImportTarget, legacy: Client, counts: ImportCounts) {
  const columns = await v1Columns(legacy);
  if (columns.includes('NULL AS batch_id')) return;
  const batches = await legacy.execute(
    'SELECT batch_id FROM inference_runs WHERE batch_id IS NOT NULL GROUP BY batch_id ORDER BY min(id)',
  );
  for (const batch of batches.rows) {
    const v1BatchId = String(batch.batch_id);
    let groupId = await batchGroup(target.client, v1BatchId);
    if (groupId === null) {
      const created = await target.client.batch(
        [
          {
            sql: `INSERT INTO groups (group_type, name, description, metadata_json) VALUES ('batch', ?, ?, ?)`,
            args: [`v1 batch ${v1BatchId}`, 'Imported from the v1 database', JSON.stringify({ source: 'import-v1', v1_batch_id: v1BatchId })],
          },
          { sql: 'INSERT INTO legacy_imported_batches (v1_batch_id, group_id) VALUES (?, last_insert_rowid())', args: [v1BatchId] },
          { sql: 'SELECT group_id FROM legacy_imported_batches WHERE v1_batch_id = ?', args: [v1BatchId] },
        ],
        'write',
      );
      groupId = Number(created[2]!.rows[0]!.group_id);
      counts.batches_created++;
    }
    const runs = await legacy.execute({ sql: 'SELECT id FROM inference_runs WHERE batch_id = ? ORDER BY created_at, id', args: [batch.batch_id ?? null] });
    const calls = await mappedCalls(
      target.client,
      runs.rows.map((r) => Number(r.id)),
    );
    const existing = await target.client.execute({
      sql: 'SELECT call_id, position FROM group_members WHERE group_id = ?',
      args: [groupId],
    });
    const members = new Set(existing.rows.map((r) => Number(r.call_id)));
    let position = existing.rows.reduce((top, r) => Math.max(top, Number(r.position ?? -1)), -1);
    const statements: InStatement[] = [];
    for (const run of runs.rows) {
      const callId = calls.get(Number(run.id));
      if (callId === undefined || members.has(callId)) continue;
      statements.push({
        sql: 'INSERT OR IGNORE INTO group_members (group_id, call_id, position, role) VALUES (?, ?, ?, ?)',
        args: [groupId, callId, ++position, 'v1_run'],
      });
    }
    if (statements.length) await target.client.batch(statements, 'write');
    counts.members_added += statements.length;
  }
}

export async function batchGroup(client: Client, v1BatchId: string): Promise<number | null> {
  const found = await client.execute({ sql: 'SELECT group_id FROM legacy_imported_batches WHERE v1_batch_id = ?', args: [v1BatchId] });
  return found.rows.length ? Number(found.rows[0]!.group_id) : null;
}

/** v1 id → v2 call id, for the ids already imported. */
export async function mappedCalls(client: Client, v1Ids: number[]): Promise<Map<number, number>> {
  const mapped = new Map<number, number>();
  for (let start = 0; start < v1Ids.length; start += LOOKUP_CHUNK) {
    const chunk = v1Ids.slice(start, start + LOOKUP_CHUNK);
    const result = await client.execute({
      sql: `SELECT v1_id, call_id FROM legacy_imported_runs WHERE v1_id IN (${chunk.map(() => '?').join(',')})`,
      args: chunk,
    });
    for (const row of result.rows) mapped.set(Number(row.v1_id), Number(row.call_id));
  }
  return mapped;
}

/**
 * v1 timestamps (SQLAlchemy on SQLite: naive UTC, "YYYY-MM-DD HH:MM:SS.ffffff") → v2's ISO form with
 * milliseconds. Null when the value cannot be read as a time.
 */
export function v1TimestampToIso(value: unknown): string | null {
  if (value == null || value === '') return null;
  if (typeof value === 'number' || typeof value === 'bigint') {
    const n = Number(value);
    const date = new Date(n < 1e11 ? n * 1000 : n);
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  }
  const match = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(String(value).trim());
  if (!match) return null;
  const [, day, hm = '00:00', seconds = '00', fraction = '', zone] = match;
  const millis = fraction.padEnd(3, '0').slice(0, 3);
  const offset = !zone || zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const date = new Date(`${day}T${hm}:${seconds}.${millis}${offset}`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** v1 metadata is a JSON column; text that is not JSON is kept as it was. */
export function parseJson(value: unknown): unknown {
  if (value == null) return undefined;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** v1 had no model column; its metadata sometimes named one. */
export function modelOf(metadata: unknown): string {
  if (metadata && typeof metadata === 'object') {
    const m = metadata as Record<string, unknown>;
    for (const key of ['model', 'deployment', 'deployment_name', 'model_name']) {
      if (typeof m[key] === 'string' && m[key]) return m[key] as string;
    }
  }
  return 'unknown';
}
