// v1 databases for the import tests, built the way the v1 app built them.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type Client, type InValue } from '@libsql/client';

/** The table exactly as the v1 app's SQLAlchemy model created it on SQLite. */
export const V1_SCHEMA = [
  `CREATE TABLE inference_runs (
	id INTEGER NOT NULL,
	prompt TEXT NOT NULL,
	response TEXT NOT NULL,
	provider VARCHAR(50) NOT NULL,
	tokens INTEGER,
	latency_ms FLOAT,
	metadata JSON,
	created_at DATETIME,
	batch_id VARCHAR(36),
	PRIMARY KEY (id)
)`,
  'CREATE INDEX ix_inference_runs_provider ON inference_runs (provider)',
  'CREATE INDEX ix_inference_runs_created_at ON inference_runs (created_at)',
  'CREATE INDEX ix_inference_runs_batch_id ON inference_runs (batch_id)',
];

export interface V1Run {
  id: number;
  prompt: string;
  response: string;
  provider: string;
  tokens: number | null;
  latency_ms: number | null;
  metadata: string | null;
  created_at: string | null;
  batch_id: string | null;
}

export const BATCH_A = '3f1c2a9e-0000-4000-8000-00000000000a';
export const BATCH_B = '3f1c2a9e-0000-4000-8000-00000000000b';

/** 130 runs: most standalone, two batches whose created_at order differs from their id order. */
export function v1Runs(): V1Run[] {
  const runs: V1Run[] = [];
  for (let id = 1; id <= 130; id++) {
    const second = String(id % 60).padStart(2, '0');
    const minute = String(Math.floor(id / 60)).padStart(2, '0');
    runs.push({
      id,
      prompt: `Question ${id}: what is ${id} × 2?`,
      response: `Answer ${id}: ${id * 2}`,
      provider: id % 3 === 0 ? 'openai' : 'azure_openai',
      tokens: id % 10 === 0 ? null : 20 + id,
      latency_ms: id % 10 === 0 ? null : 100.25 + id,
      metadata: id % 10 === 0 ? null : JSON.stringify({ model: id % 3 === 0 ? 'gpt-4o-mini' : 'gpt-35-turbo', temperature: 0.7 }),
      created_at: `2024-03-05 10:${minute}:${second}.${String(id * 1000 + 123).padStart(6, '0')}`,
      batch_id: null,
    });
  }
  // Batch A: ids 20, 21, 22, created in reverse order — members must follow created_at.
  runs[19]!.batch_id = runs[20]!.batch_id = runs[21]!.batch_id = BATCH_A;
  runs[19]!.created_at = '2024-03-05 11:00:03.000000';
  runs[20]!.created_at = '2024-03-05 11:00:02.000000';
  runs[21]!.created_at = '2024-03-05 11:00:01.000000';
  // Batch B: spread across pages.
  for (const id of [5, 64, 99, 130]) runs[id - 1]!.batch_id = BATCH_B;
  // v1 metadata with a key v2 uses for batch tasks must not reach v2's own metadata keys.
  runs[6]!.metadata = JSON.stringify({ batch_task_id: 999, note: 'unicode ✓ "quoted"' });
  runs[7]!.prompt = 'Ünïcödé prompt with\nnew lines, commas, and "quotes"';
  return runs;
}

/** A v1 row as SQLite can hold it, including values the v1 app should never have written. */
export type V1Row = Record<keyof V1Run, InValue>;

export async function createV1Database(path: string, runs: V1Row[]): Promise<Client> {
  const legacy = createClient({ url: `file:${path}` });
  for (const statement of V1_SCHEMA) await legacy.execute(statement);
  await insertRuns(legacy, runs);
  return legacy;
}

export async function insertRuns(legacy: Client, runs: V1Row[]) {
  await legacy.batch(
    runs.map((r) => ({
      sql: 'INSERT INTO inference_runs (id, prompt, response, provider, tokens, latency_ms, metadata, created_at, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      args: [r.id, r.prompt, r.response, r.provider, r.tokens, r.latency_ms, r.metadata, r.created_at, r.batch_id],
    })),
    'write',
  );
}

/** A well-formed run with the given id; `overrides` bend it. */
export function v1Run(id: number, overrides: Partial<V1Row> = {}): V1Row {
  return {
    id,
    prompt: `prompt ${id}`,
    response: `response ${id}`,
    provider: 'openai',
    tokens: 10,
    latency_ms: 12.5,
    metadata: null,
    created_at: '2024-05-01 09:00:00.000000',
    batch_id: null,
    ...overrides,
  };
}

/** The SHA-256 of a database file and each file SQLite keeps beside it (null when absent). */
export function databaseFileHashes(path: string): Record<string, string | null> {
  const hashes: Record<string, string | null> = {};
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    const file = `${path}${suffix}`;
    hashes[suffix || 'db'] = existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : null;
  }
  return hashes;
}

/**
 * A v1 file as a crashed v1 app leaves it in WAL mode: runs 1–130 in the database file, runs 131–150
 * committed only in its -wal (never checkpointed), and no process holding it open.
 */
export async function createWalPendingV1Database(dir: string): Promise<string> {
  const live = join(dir, 'v1-live.db');
  const writer = createClient({ url: `file:${live}`, concurrency: 1 });
  await writer.execute('PRAGMA journal_mode = WAL');
  for (const statement of V1_SCHEMA) await writer.execute(statement);
  await insertRuns(writer, v1Runs());
  await writer.execute('PRAGMA wal_checkpoint(TRUNCATE)');
  await writer.execute('PRAGMA wal_autocheckpoint = 0');
  await insertRuns(writer, Array.from({ length: 20 }, (_, i) => v1Run(131 + i)));
  // The crash: the files as they are on disk while the app still has them open, WAL not folded in.
  const crashed = join(dir, 'v1-crashed.db');
  copyFileSync(live, crashed);
  copyFileSync(`${live}-wal`, `${crashed}-wal`);
  writer.close();
  return crashed;
}
