// What one captured row costs to commit on the embedded file (issue 24): WAL pages (frames) per row,
// and µs per row for INSERT and COMMIT, one row per transaction (a sequential call) and 64 rows per
// transaction (a wave of a study). Measured twice in the same run on identical data: as migrated
// now, and as before issue 24 — the derived data (the FTS5 entry and the four analytics rollups)
// kept inside the capture transaction by the triggers of drizzle/0001 and 0005, re-created, and the
// unused request_hash index that 0022 dropped. Now the derived data is folded in later, behind the
// watermark (src/analytics/catch-up.ts): that cost per row is printed too, since it moved rather
// than vanished.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { LOCAL_CONNECTION_PRAGMAS, openDatabase } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';
import { rawCallValues } from '../src/capture/raw-call-row';
import { INSERT_SQL } from '../src/node/native-call-inserter';
import type { NewRawCall } from '../src/db/schema';
import { catchUpDerivedData } from '../src/analytics/catch-up';
import { isMain, percentile, type BenchResult } from './support';

const ROWS = Number(process.env.BENCH_CAPTURE_WRITE_ROWS ?? 2_000);
const PREFILL = Number(process.env.BENCH_CAPTURE_WRITE_PREFILL ?? 20_000);
const WAVE = 64;

const WORDS = 'colour answer model study prompt sample river planet music garden number reason simple question light window'.split(' ');
const words = (i: number, n: number) => Array.from({ length: n }, (_, k) => WORDS[(i * 7 + k * 13) % WORDS.length]).join(' ');

/** A gateway call as capture writes it: request, answer with the provider's raw JSON, tokens, metadata. */
function row(i: number): NewRawCall {
  const text = `${words(i, 30)} ${i}`;
  return {
    provider: 'openai',
    model: ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'][i % 3]!,
    modality: 'chat',
    status: i % 50 === 0 ? 'failed' : 'success',
    requestJson: { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: `${words(i + 1, 25)} ${i}?` }] },
    responseJson: i % 50 === 0 ? null : {
      text,
      model: 'gpt-4o-mini-2024-07-18',
      finish_reason: 'stop',
      raw: {
        id: `chatcmpl-${i}`, object: 'chat.completion', created: 1_760_000_000 + i, model: 'gpt-4o-mini-2024-07-18',
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 31, completion_tokens: 42, total_tokens: 73 }, system_fingerprint: 'fp_0123456789',
      },
    },
    errorJson: i % 50 === 0 ? { class: 'ServerError', status: 503, message: 'upstream unavailable', attempts: 3, retryable: true } : null,
    latencyMs: 200 + (i % 97),
    tokensJson: i % 50 === 0 ? null : { prompt: 31, completion: 42, total: 73 },
    promptTokens: i % 50 === 0 ? null : 31,
    completionTokens: i % 50 === 0 ? null : 42,
    totalTokens: i % 50 === 0 ? null : 73,
    costUsd: 0.00003,
    requestHash: createHashLike(i),
    metadataJson: { source: 'gateway', attempts: 1, total_ms: 201.5 },
    requestId: `req-${i}`,
    clientApi: 'chat.completions',
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  };
}

/** A request hash's spread (random 64 hex digits) without hashing: what its index sees. */
const createHashLike = (i: number) => Array.from({ length: 8 }, (_, k) => ((Math.imul(i + 1, 2654435761 + k * 97) >>> 0).toString(16).padStart(8, '0'))).join('');

/**
 * The scheme before issue 24: the derived-data triggers as migrations 0001 and 0005 created them,
 * and the index on request_hash that no query used (dropped by 0022).
 */
function schemeBefore(): string[] {
  const statements = ['0001_capture_guards_and_search.sql', '0005_analytics_rollups.sql'].flatMap((file) =>
    readFileSync(new URL(`../drizzle/${file}`, import.meta.url), 'utf8').split('--> statement-breakpoint'),
  );
  return statements
    .map((s) => s.replace(/^--.*$/gm, '').trim())
    .filter((s) => /^CREATE TRIGGER `raw_calls_(fts_insert|rollup|rollup_latency)`/.test(s))
    .map((s) => s.replace('CREATE TRIGGER', 'CREATE TRIGGER IF NOT EXISTS'))
    .concat('CREATE INDEX IF NOT EXISTS `raw_calls_request_hash_idx` ON `raw_calls` (`request_hash`)');
}

interface Measured {
  insert_us_p50: number;
  commit_us_p50: number;
  begin_commit_us_p50: number;
  insert_us_mean: number;
  commit_us_mean: number;
  wal_pages_per_row: number;
  wave_wal_pages_per_row: number;
  wave_us_per_row: number;
  fold_us_per_row?: number;
  fold_wal_pages_per_row?: number;
}

const us = (ms: number) => Math.round(ms * 1000 * 10) / 10;
const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;

/** WAL frames written since the last checkpoint that reset it (the -wal file agrees: 32 + frames × (page + 24) bytes). */
function walFrames(db: Database.Database, path: string, pageSize: number): number {
  const frames = Number((db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get() as { log: number }).log);
  const bytes = statSync(`${path}-wal`).size;
  if (frames > 0 && bytes < 32 + frames * (pageSize + 24)) throw new Error(`-wal file (${bytes} bytes) shorter than ${frames} frames`);
  return frames;
}

const resetWal = (db: Database.Database) => db.exec('PRAGMA wal_checkpoint(TRUNCATE)');

/**
 * A study of `tasks` tasks written straight into its tables (what POST /api/v1/batches creates), so
 * rows can carry their bookkeeping link; answers the id of its first task (the others follow it).
 */
function createStudy(db: Database.Database, tasks: number): number {
  const group = Number((db.prepare("INSERT INTO groups (group_type, name, metadata_json) VALUES ('batch', 'bench', '{}') RETURNING id").get() as { id: number }).id);
  db.prepare(`INSERT INTO batches (group_id, status, targets_json, samples, concurrency, options_json, updated_at, tasks_total)
    VALUES (?, 'running', '[{"provider":"openai","model":"gpt-4o-mini"}]', 1, 64, '{}', '2026-01-01T00:00:00.000Z', ?)`).run(group, tasks);
  db.prepare(`INSERT INTO batch_items (batch_id, item_key, position, prompt)
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1) SELECT ?, 'item-' || i, i, 'prompt ' || i FROM n`).run(tasks, group);
  db.prepare(`INSERT INTO batch_tasks (batch_id, item_id, target_index, sample_index, ordinal)
    SELECT batch_id, id, 0, 0, position FROM batch_items WHERE batch_id = ? ORDER BY position`).run(group);
  return Number((db.prepare('SELECT min(id) AS id FROM batch_tasks WHERE batch_id = ?').get(group) as { id: number }).id);
}

type Kind = 'gateway' | 'study';

async function measure(scheme: 'now' | 'derived data in the transaction', kind: Kind): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-capture-write-'));
  const path = join(dir, 'bench.db');
  const handle = await openDatabase(`file:${path}`);
  try {
    await migrateDatabase(handle.db);
    if (scheme !== 'now') for (const statement of schemeBefore()) await handle.client.execute(statement);
    // Now, the derived data is folded in later by the catch-up, many rows a transaction, as the server does.
    const fold = scheme === 'now' ? () => catchUpDerivedData(handle.db) : undefined;

    const db = new Database(path, { timeout: 1000 });
    for (const pragma of LOCAL_CONNECTION_PRAGMAS) db.exec(pragma);
    // Checkpoints only where this bench asks for them, so the WAL holds exactly what was written.
    db.exec('PRAGMA wal_autocheckpoint = 0');
    const pageSize = Number((db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size);
    const insert = db.prepare(INSERT_SQL);
    const insertMany = db.transaction((rows: unknown[][]) => { for (const values of rows) insert.run(...values); });
    const firstTask = kind === 'study' ? createStudy(db, PREFILL + ROWS * 2) : undefined;
    const rows = Array.from({ length: PREFILL + ROWS * 2 }, (_, i) => {
      const call = row(i);
      if (firstTask === undefined) return rawCallValues(call);
      return rawCallValues({ ...call, batchTaskId: firstTask + i, requestId: null, clientApi: null, metadataJson: { source: 'batch', batch_id: 1, item_key: `item-${i}` } });
    });
    for (let i = 0; i < PREFILL; i += 1000) insertMany(rows.slice(i, Math.min(i + 1000, PREFILL)));
    if (fold) await fold();
    resetWal(db);

    // One row per transaction: a sequential call.
    const insertMs: number[] = [];
    const commitMs: number[] = [];
    const totalMs: number[] = [];
    for (let i = PREFILL; i < PREFILL + ROWS; i++) {
      const t0 = performance.now();
      db.exec('BEGIN');
      const t1 = performance.now();
      insert.run(...rows[i]!);
      const t2 = performance.now();
      db.exec('COMMIT');
      const t3 = performance.now();
      insertMs.push(t2 - t1);
      commitMs.push(t3 - t2);
      totalMs.push(t3 - t0);
    }
    const singleFrames = walFrames(db, path, pageSize);
    let foldUs: number | undefined;
    let foldFrames: number | undefined;
    if (fold) {
      resetWal(db);
      const started = performance.now();
      await fold();
      foldUs = ((performance.now() - started) * 1000) / ROWS;
      foldFrames = walFrames(db, path, pageSize) / ROWS;
    }

    // WAVE rows per transaction: answers of a study arriving together.
    resetWal(db);
    const waveMs: number[] = [];
    for (let i = PREFILL + ROWS; i < PREFILL + 2 * ROWS; i += WAVE) {
      const started = performance.now();
      insertMany(rows.slice(i, i + WAVE));
      waveMs.push((performance.now() - started) / Math.min(WAVE, PREFILL + 2 * ROWS - i));
    }
    const waveUs = percentile(waveMs.sort((a, b) => a - b), 50) * 1000;
    const waveFrames = walFrames(db, path, pageSize);
    db.close();

    for (const list of [insertMs, commitMs, totalMs]) list.sort((a, b) => a - b);
    return {
      insert_us_p50: us(percentile(insertMs, 50)),
      commit_us_p50: us(percentile(commitMs, 50)),
      begin_commit_us_p50: us(percentile(totalMs, 50)),
      insert_us_mean: us(mean(insertMs)),
      commit_us_mean: us(mean(commitMs)),
      wal_pages_per_row: Math.round((singleFrames / ROWS) * 100) / 100,
      wave_wal_pages_per_row: Math.round((waveFrames / ROWS) * 100) / 100,
      wave_us_per_row: Math.round(waveUs * 10) / 10,
      ...(foldUs === undefined ? {} : { fold_us_per_row: Math.round(foldUs * 10) / 10, fold_wal_pages_per_row: Math.round(foldFrames! * 100) / 100 }),
    };
  } finally {
    handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function describe(name: string, m: Measured) {
  console.log(
    `${name}: ${m.wal_pages_per_row} WAL pages/row; INSERT p50 ${m.insert_us_p50} µs (mean ${m.insert_us_mean}), ` +
      `COMMIT p50 ${m.commit_us_p50} µs (mean ${m.commit_us_mean}), BEGIN..COMMIT p50 ${m.begin_commit_us_p50} µs; ` +
      `${WAVE} rows a transaction: ${m.wave_wal_pages_per_row} pages/row, ${m.wave_us_per_row} µs/row (p50 of the transactions)` +
      (m.fold_us_per_row === undefined ? '' : `; folding derived data later: ${m.fold_us_per_row} µs/row, ${m.fold_wal_pages_per_row} pages/row`),
  );
}

export async function run(): Promise<BenchResult[]> {
  console.log(`${ROWS} rows one per transaction, then ${ROWS} in transactions of ${WAVE}, after ${PREFILL} rows already stored`);
  const results: BenchResult[] = [];
  for (const kind of ['gateway', 'study'] as const) {
    const label = kind === 'gateway' ? 'gateway rows' : 'study rows (each marks its task done and joins its study group)';
    const before = await measure('derived data in the transaction', kind);
    describe(`${label}, derived data in the capture transaction (before)`, before);
    const now = await measure('now', kind);
    describe(`${label}, as migrated now`, now);
    results.push(
      { name: `capture write, ${kind} rows, derived data in the transaction (before issue 24)`, metrics: { ...before }, target: 'informational', pass: null },
      { name: `capture write, ${kind} rows, as migrated now`, metrics: { ...now }, target: 'informational', pass: null },
    );
  }
  return results;
}

if (isMain(import.meta.url)) await run();
