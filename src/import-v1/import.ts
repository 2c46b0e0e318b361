// Legacy import: the earlier Python app's v1 SQLite database (table inference_runs) into schema v2.
// Each v1 run becomes one raw_calls row (request_json {prompt}, response_json {text}, status success);
// each v1 batch_id becomes a `batch` group with its runs as members in order. legacy_imported_runs and
// legacy_imported_batches remember what was imported, so a re-run adds nothing twice. The v1 file is
// never opened: the import reads a private copy of it, checks every row, then writes one transaction.
import { copyFile as copyFileOnDisk, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client, type Row } from '@libsql/client';
import {
  addImportedMembers, createImportedBatchGroup, groupMembership, importedBatchGroup, importedCallIds, insertImportedCalls,
  v1BatchIds, v1BatchRunIds, v1ColumnNames, v1RowsBreaking, v1RunPage, v1SelectList, v1TimestampPage,
  V1_ID_RULES, V1_REQUIRED_COLUMNS, V1_ROW_RULES, type ImportedCall, type SqlRunner,
} from './repository';
import { planHash } from '../capture/request-hash';
import { findDepthProblem } from '../capture/storable-json';

export interface ImportTarget {
  client: Client;
}

export interface ImportOptions {
  /** v1 rows read (and written) at a time. */
  pageSize?: number;
}

export interface ImportCounts {
  runs_imported: number;
  runs_already_imported: number;
  batches_created: number;
  members_added: number;
}

/** Something about the v1 file that stops the import: the rows affected, and the first of their ids. */
export interface SourceProblem {
  problem: string;
  rows: number;
  ids: Array<number | string>;
}

const PAGE_SIZE = 500;
const IDS_SHOWN = 10;
const SQLITE_HEADER = 'SQLite format 3\0';
const COPY_ATTEMPTS = 3;

export class LegacyImportError extends Error {
  override name = 'LegacyImportError';
  constructor(
    message: string,
    readonly problems: SourceProblem[] = [],
  ) {
    super(problems.length ? [message, ...problems.map((p) => `  ${describeProblem(p)}`)].join('\n') : message);
  }
}

export function describeProblem(p: SourceProblem): string {
  if (p.rows === 0) return p.problem;
  return `${p.problem}: ${p.rows} row(s), id(s) ${p.ids.join(', ')}${p.rows > p.ids.length ? ', …' : ''}`;
}

/** A v1 database as read by the import: a private copy, removed by close(). */
export interface V1Copy {
  client: Client;
  /** Where the copy is; gone after close(). */
  path: string;
  close(): void;
}

/**
 * Copies the v1 file — with its WAL and rollback journal, if any — into a fresh temp folder and opens
 * the copy. SQLite writes even when it only reads (it folds a pending WAL into the file, creates -shm),
 * so the original is only ever read as bytes; the copy holds every committed row, WAL included.
 */
export async function openV1Copy(source: string, options: { copyFile?: (from: string, to: string) => Promise<void> } = {}): Promise<V1Copy> {
  await assertSqliteFile(source);
  const dir = await mkdtemp(join(tmpdir(), 'study-import-v1-'));
  const discard = () => rmSync(dir, { recursive: true, force: true });
  try {
    const copy = join(dir, 'v1.db');
    if (!(await copyWhileUnchanged(source, copy, options.copyFile ?? copyFileOnDisk))) {
      throw new LegacyImportError(`${source} kept changing while it was copied: stop the program writing to it (the v1 app) and run the import again`);
    }
    const client = await openReadable(copy, source);
    return {
      client,
      path: copy,
      close() {
        client.close();
        discard();
      },
    };
  } catch (error) {
    discard();
    throw error;
  }
}

/** The copy, once SQLite has read its schema: a damaged or encrypted file fails here, not mid-import. */
async function openReadable(copy: string, source: string): Promise<Client> {
  let client: Client | undefined;
  try {
    client = createClient({ url: `file:${copy}` });
    await client.execute('SELECT count(*) FROM sqlite_master');
    return client;
  } catch (error) {
    client?.close();
    throw new LegacyImportError(`cannot read ${source}: ${(error as Error).message}`);
  }
}

async function assertSqliteFile(source: string) {
  const header = Buffer.alloc(SQLITE_HEADER.length);
  let size = 0;
  try {
    const info = await stat(source);
    size = info.size;
    if (info.isDirectory()) throw new LegacyImportError(`${source} is a directory, not a v1 database file`);
    if (!info.isFile()) throw new LegacyImportError(`${source} is not a regular file`);
    const file = await open(source, 'r');
    await file.read(header, 0, header.length, 0).finally(() => file.close());
  } catch (error) {
    if (error instanceof LegacyImportError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new LegacyImportError(code === 'ENOENT' ? `no such file: ${source}` : `cannot read ${source}: ${(error as Error).message}`);
  }
  if (header.toString('latin1') !== SQLITE_HEADER) {
    throw new LegacyImportError(`${source} is not a SQLite database${size === 0 ? ' (it is empty)' : ''}`);
  }
}

/** The files that hold a SQLite database's committed content. */
const databaseFiles = (path: string) => [path, `${path}-wal`, `${path}-journal`];

/** Size and modification time of each database file (null when absent), to tell whether a copy is whole. */
const fingerprint = (path: string) =>
  Promise.all(databaseFiles(path).map((file) => stat(file).then((s) => `${s.size}:${s.mtimeMs}`, () => null))).then((f) => JSON.stringify(f));

async function copyWhileUnchanged(source: string, copy: string, copyFile: (from: string, to: string) => Promise<void>): Promise<boolean> {
  const [from, to] = [databaseFiles(source), databaseFiles(copy)];
  for (let attempt = 0; attempt < COPY_ATTEMPTS; attempt++) {
    const before = await fingerprint(source);
    const present = JSON.parse(before) as Array<string | null>;
    try {
      for (const [i, file] of from.entries()) {
        if (present[i] !== null) await copyFile(file, to[i]!);
        else await rm(to[i]!, { force: true });
      }
    } catch {
      continue; // a WAL or journal went away mid-copy: the database changed, try again
    }
    if ((await fingerprint(source)) === before) return true;
  }
  return false;
}

/**
 * Every reason the v1 rows could not be imported as they are: the table and its columns, then each
 * row's types — ids, text, numeric tokens and latency, readable created_at, metadata JSON or text.
 * Empty when the import can run.
 */
export async function checkV1Source(legacy: Client, idsShown = IDS_SHOWN): Promise<SourceProblem[]> {
  const present = await v1ColumnNames(legacy);
  if (present.size === 0) return [{ problem: 'no inference_runs table: is this a v1 database?', rows: 0, ids: [] }];
  const missing = V1_REQUIRED_COLUMNS.filter((c) => !present.has(c));
  if (missing.length) return [{ problem: `inference_runs lacks column(s) ${missing.join(', ')}`, rows: 0, ids: [] }];
  const problems: SourceProblem[] = [];
  const check = async (rules: typeof V1_ROW_RULES) => {
    for (const rule of rules) {
      if (rule.column && !present.has(rule.column)) continue;
      const found = await v1RowsBreaking(legacy, rule.breaking, idsShown);
      if (found.rows) problems.push({ problem: rule.problem, ...found });
    }
  };
  await check(V1_ID_RULES);
  if (problems.length) return problems; // the rest reads rows by id
  await check(V1_ROW_RULES);
  const unreadable: SourceProblem = { problem: 'created_at is missing or not a date and time', rows: 0, ids: [] };
  for (let after = Number.MIN_SAFE_INTEGER; ; ) {
    const page = await v1TimestampPage(legacy, after, PAGE_SIZE);
    for (const row of page) {
      if (v1TimestampToIso(row.createdAt) !== null) continue;
      if (unreadable.rows++ < idsShown) unreadable.ids.push(row.id);
    }
    if (page.length < PAGE_SIZE) break;
    after = page[page.length - 1]!.id;
  }
  if (unreadable.rows) problems.push(unreadable);
  return problems;
}

/**
 * Imports the v1 runs not imported yet, in one transaction: a failure anywhere leaves v2 as it was,
 * so the next run starts from the same place. Refuses (LegacyImportError) a source with problems.
 */
export async function importV1(target: ImportTarget, legacy: Client, options: ImportOptions = {}): Promise<ImportCounts> {
  const problems = await checkV1Source(legacy);
  if (problems.length) throw new LegacyImportError('the v1 database cannot be imported as it is; nothing was written', problems);
  const present = await v1ColumnNames(legacy);
  const select = v1SelectList(present);
  const counts: ImportCounts = { runs_imported: 0, runs_already_imported: 0, batches_created: 0, members_added: 0 };
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const tx = await target.client.transaction('write');
  try {
    for (let after = Number.MIN_SAFE_INTEGER; ; ) {
      const page = await v1RunPage(legacy, select, after, pageSize);
      if (page.length === 0) break;
      const ids = page.map((r) => Number(r.id));
      const done = await importedCallIds(tx, ids);
      const fresh = page.filter((r) => !done.has(Number(r.id)));
      counts.runs_already_imported += page.length - fresh.length;
      await insertImportedCalls(tx, await Promise.all(fresh.map(v2Call)));
      counts.runs_imported += fresh.length;
      if (page.length < pageSize) break;
      after = ids[ids.length - 1]!;
    }
    if (present.has('batch_id')) await importBatches(tx, legacy, counts);
    await tx.commit();
    return counts;
  } finally {
    tx.close(); // rolls back unless committed
  }
}

/** A checked v1 row as the raw_calls row that represents it in v2. */
async function v2Call(row: Row): Promise<ImportedCall> {
  const provider = String(row.provider);
  const request = { prompt: row.prompt == null ? null : String(row.prompt) };
  const v1Metadata = parseJson(row.metadata);
  const tokens = row.tokens == null ? null : Number(row.tokens);
  const metadata = {
    source: 'import-v1',
    v1_id: Number(row.id),
    v1_created_at: String(row.created_at),
    ...(row.batch_id != null ? { v1_batch_id: String(row.batch_id) } : {}),
    // Kept whole and nested: v1 keys never collide with v2's own metadata keys.
    ...(v1Metadata !== undefined ? { v1_metadata: v1Metadata } : {}),
  };
  return {
    v1Id: Number(row.id),
    provider,
    model: modelOf(v1Metadata),
    requestJson: JSON.stringify(request),
    responseJson: JSON.stringify({ text: row.response == null ? null : String(row.response) }),
    latencyMs: row.latency_ms == null ? null : Number(row.latency_ms),
    tokensJson: tokens === null ? null : JSON.stringify({ total: tokens }),
    totalTokens: tokens,
    requestHash: await planHash({ provider, request }),
    metadataJson: JSON.stringify(metadata),
    createdAt: v1TimestampToIso(row.created_at)!, // checkV1Source refused any row without one
  };
}

/** v1 batch_id → a `batch` group (created once), members appended in v1 order (created_at, id). */
async function importBatches(tx: SqlRunner, legacy: Client, counts: ImportCounts) {
  for (const batchId of await v1BatchIds(legacy)) {
    const v1BatchId = String(batchId);
    let groupId = await importedBatchGroup(tx, v1BatchId);
    if (groupId === null) {
      groupId = await createImportedBatchGroup(tx, v1BatchId);
      counts.batches_created++;
    }
    const runIds = await v1BatchRunIds(legacy, batchId);
    const calls = await importedCallIds(tx, runIds);
    const { callIds, lastPosition } = await groupMembership(tx, groupId);
    let position = lastPosition;
    const members: Array<{ callId: number; position: number }> = [];
    for (const runId of runIds) {
      const callId = calls.get(runId);
      if (callId !== undefined && !callIds.has(callId)) members.push({ callId, position: ++position });
    }
    await addImportedMembers(tx, groupId, members);
    counts.members_added += members.length;
  }
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
    const parsed: unknown = JSON.parse(value);
    // JSON nested deeper than the database stores is kept as the text it was, like any non-JSON text.
    return findDepthProblem(parsed) ? value : parsed;
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
