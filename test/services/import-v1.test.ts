import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient, type Client } from '@libsql/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importV1, LegacyImportError, v1TimestampToIso } from '../../src/services/import-v1';
import { formatBackfillReport, validateBackfill } from '../../src/services/import-v1-report';
import { createTestApp, type TestApp } from '../support/app';

const run = promisify(execFile);

/** The table exactly as the v1 app's SQLAlchemy model created it on SQLite. */
const V1_SCHEMA = [
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

interface V1Run {
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

const BATCH_A = '3f1c2a9e-0000-4000-8000-00000000000a';
const BATCH_B = '3f1c2a9e-0000-4000-8000-00000000000b';

/** 130 runs: most standalone, two batches whose created_at order differs from their id order. */
function v1Runs(): V1Run[] {
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

async function createV1Database(path: string, runs: V1Run[]): Promise<Client> {
  const legacy = createClient({ url: `file:${path}` });
  for (const statement of V1_SCHEMA) await legacy.execute(statement);
  await insertRuns(legacy, runs);
  return legacy;
}

async function insertRuns(legacy: Client, runs: V1Run[]) {
  await legacy.batch(
    runs.map((r) => ({
      sql: 'INSERT INTO inference_runs (id, prompt, response, provider, tokens, latency_ms, metadata, created_at, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      args: [r.id, r.prompt, r.response, r.provider, r.tokens, r.latency_ms, r.metadata, r.created_at, r.batch_id],
    })),
    'write',
  );
}

describe('legacy v1 import', () => {
  let t: TestApp;
  let legacy: Client;
  let legacyPath: string;
  const target = () => ({ client: t.deps.database.client });
  const rows = async (sql: string, args: Array<string | number> = []) => (await t.deps.database.client.execute({ sql, args })).rows;

  beforeEach(async () => {
    t = await createTestApp();
    legacyPath = join(t.dir, 'legacy-v1.db');
    legacy = await createV1Database(legacyPath, v1Runs());
  });
  afterEach(() => {
    legacy.close();
    t.close();
  });

  it('imports every v1 run as a successful call with request {prompt}, response {text} and tokens {total}', async () => {
    const counts = await importV1(target(), legacy, { pageSize: 50 });
    expect(counts).toMatchObject({ runs_imported: 130, runs_already_imported: 0, batches_created: 2, members_added: 7 });

    const [call] = await rows(
      `SELECT r.* FROM legacy_imported_runs l JOIN raw_calls r ON r.id = l.call_id WHERE l.v1_id = 8`,
    );
    expect(call).toMatchObject({ provider: 'azure_openai', model: 'gpt-35-turbo', status: 'success', modality: 'chat', total_tokens: 28, latency_ms: 108.25 });
    expect(JSON.parse(String(call!.request_json))).toEqual({ prompt: 'Ünïcödé prompt with\nnew lines, commas, and "quotes"' });
    expect(JSON.parse(String(call!.response_json))).toEqual({ text: 'Answer 8: 16' });
    expect(JSON.parse(String(call!.tokens_json))).toEqual({ total: 28 });
    expect(call!.error_json).toBeNull();
    expect(call!.created_at).toBe('2024-03-05T10:00:08.008Z');
    expect(JSON.parse(String(call!.metadata_json))).toMatchObject({
      source: 'import-v1',
      v1_id: 8,
      v1_created_at: '2024-03-05 10:00:08.008123',
      v1_metadata: { model: 'gpt-35-turbo', temperature: 0.7 },
    });

    const [nulls] = await rows(`SELECT r.* FROM legacy_imported_runs l JOIN raw_calls r ON r.id = l.call_id WHERE l.v1_id = 10`);
    expect(nulls).toMatchObject({ model: 'unknown', total_tokens: null, latency_ms: null, tokens_json: null });
    // Imported prompts and responses are searchable like captured ones.
    const found = await (await t.get('/api/v1/calls?q=Ünïcödé')).json();
    expect(found.calls).toHaveLength(1);
  });

  it('keeps v1 metadata nested, so a v1 key never triggers v2 behaviour', async () => {
    await importV1(target(), legacy);
    const [call] = await rows(`SELECT r.metadata_json FROM legacy_imported_runs l JOIN raw_calls r ON r.id = l.call_id WHERE l.v1_id = 7`);
    const metadata = JSON.parse(String(call!.metadata_json));
    expect(metadata.batch_task_id).toBeUndefined();
    expect(metadata.v1_metadata).toEqual({ batch_task_id: 999, note: 'unicode ✓ "quoted"' });
  });

  it('turns each batch_id into a batch group whose members follow v1 order (created_at, then id)', async () => {
    await importV1(target(), legacy, { pageSize: 40 });
    const groups = await rows(`SELECT g.id, g.group_type, g.name, b.v1_batch_id FROM legacy_imported_batches b JOIN groups g ON g.id = b.group_id ORDER BY g.id`);
    expect(groups.map((g) => [g.group_type, g.name])).toEqual([
      ['batch', `v1 batch ${BATCH_B}`],
      ['batch', `v1 batch ${BATCH_A}`],
    ]);
    const members = async (batch: string) =>
      (
        await rows(
          `SELECT l.v1_id, m.position FROM legacy_imported_batches b JOIN group_members m ON m.group_id = b.group_id
           JOIN legacy_imported_runs l ON l.call_id = m.call_id WHERE b.v1_batch_id = ? ORDER BY m.position`,
          [batch],
        )
      ).map((r) => Number(r.v1_id));
    expect(await members(BATCH_A)).toEqual([22, 21, 20]);
    expect(await members(BATCH_B)).toEqual([5, 64, 99, 130]);
  });

  it('adds nothing on a re-run and imports only rows added to v1 since', async () => {
    await importV1(target(), legacy, { pageSize: 50 });
    const callsBefore = Number((await rows('SELECT count(*) AS n FROM raw_calls'))[0]!.n);

    const again = await importV1(target(), legacy, { pageSize: 50 });
    expect(again).toMatchObject({ runs_imported: 0, runs_already_imported: 130, batches_created: 0, members_added: 0 });
    expect(Number((await rows('SELECT count(*) AS n FROM raw_calls'))[0]!.n)).toBe(callsBefore);
    expect(Number((await rows('SELECT count(*) AS n FROM groups'))[0]!.n)).toBe(2);

    await insertRuns(legacy, [
      { id: 131, prompt: 'late', response: 'arrival', provider: 'openai', tokens: 3, latency_ms: 9, metadata: null, created_at: '2024-03-05 12:00:00', batch_id: BATCH_A },
    ]);
    const third = await importV1(target(), legacy, { pageSize: 50 });
    expect(third).toMatchObject({ runs_imported: 1, runs_already_imported: 130, batches_created: 0, members_added: 1 });
    expect((await validateBackfill(target(), legacy)).ok).toBe(true);
  });

  it('reports agreement on counts, batch sizes, timestamp ranges and a field-by-field sample', async () => {
    const counts = await importV1(target(), legacy);
    const report = await validateBackfill(target(), legacy, { sampleSize: 20 });
    expect(report).toMatchObject({
      ok: true,
      counts: { v1: 130, v2: 130, ok: true },
      batches: { v1: 2, v2: 2, members: { v1: 7, v2: 7 }, mismatched: [], ok: true },
      timestamps: {
        v1: { first: '2024-03-05T10:00:01.001Z', last: '2024-03-05T11:00:03.000Z' },
        v2: { first: '2024-03-05T10:00:01.001Z', last: '2024-03-05T11:00:03.000Z' },
        ok: true,
      },
      sample: { size: 20, mismatches: [], ok: true },
    });
    const text = formatBackfillReport(report, counts).join('\n');
    expect(text).toMatch(/rows: v1 130, v2 130/);
    expect(text).toMatch(/batches: v1 2 \(7 runs\), v2 2 groups \(7 members\)/);
    expect(text).toMatch(/result: v1 and v2 agree/);
  });

  it('reports disagreement when v2 lost a batch member or v1 has rows not imported', async () => {
    await importV1(target(), legacy);
    // Groups are mutable: someone removed a member of batch A.
    await t.deps.database.client.execute({
      sql: `DELETE FROM group_members WHERE group_id = (SELECT group_id FROM legacy_imported_batches WHERE v1_batch_id = ?)
            AND call_id = (SELECT call_id FROM legacy_imported_runs WHERE v1_id = 21)`,
      args: [BATCH_A],
    });
    await insertRuns(legacy, [
      { id: 200, prompt: 'not imported', response: 'yet', provider: 'openai', tokens: 1, latency_ms: 1, metadata: null, created_at: '2024-04-01 00:00:00', batch_id: null },
    ]);
    const report = await validateBackfill(target(), legacy, { sampleSize: 200 });
    expect(report.ok).toBe(false);
    expect(report.counts).toEqual({ v1: 131, v2: 130, ok: false });
    expect(report.batches.mismatched).toEqual([{ batch_id: BATCH_A, group_id: expect.any(Number), v1_size: 3, v2_size: 2 }]);
    expect(report.timestamps.ok).toBe(false);
    expect(report.sample.mismatches).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ v1_id: 21, field: 'batch', v1: true, v2: false }),
        expect.objectContaining({ v1_id: 200, field: 'call', v2: 'missing' }),
      ]),
    );
    expect(formatBackfillReport(report).join('\n')).toMatch(/DIFF/);
  });

  it('refuses a database without inference_runs', async () => {
    const other = createClient({ url: `file:${join(t.dir, 'not-v1.db')}` });
    await other.execute('CREATE TABLE something_else (id INTEGER)');
    await expect(importV1(target(), other)).rejects.toThrow(LegacyImportError);
    other.close();
  });

  it('reads v1 timestamps as UTC and keeps millisecond precision', () => {
    expect(v1TimestampToIso('2024-03-05 10:00:08.008123')).toBe('2024-03-05T10:00:08.008Z');
    expect(v1TimestampToIso('2024-03-05 10:00:08')).toBe('2024-03-05T10:00:08.000Z');
    expect(v1TimestampToIso('2024-03-05T10:00:08.5+02:00')).toBe('2024-03-05T08:00:08.500Z');
    expect(v1TimestampToIso('2024-03-05')).toBe('2024-03-05T00:00:00.000Z');
    expect(v1TimestampToIso('yesterday')).toBeNull();
    expect(v1TimestampToIso(null)).toBeNull();
  });

  describe('npm run import:v1', () => {
    const cli = (args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'scripts/import-v1.ts', ...args], {
        cwd: join(import.meta.dirname, '..', '..'),
        env: { ...process.env, DATABASE_URL: `file:${join(t.dir, 'cli-target.db')}` },
      }).then(
        (out) => ({ code: 0, stdout: out.stdout, stderr: out.stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
      );

    it('imports, prints the validation report and exits 0; a re-run imports nothing and still agrees', async () => {
      const first = await cli(['--from', legacyPath]);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/imported 130 run\(s\), 0 already imported; 2 batch group\(s\) created, 7 member\(s\) added/);
      expect(first.stdout).toMatch(/ok {3}rows: v1 130, v2 130/);
      expect(first.stdout).toMatch(/result: v1 and v2 agree/);
      const second = await cli(['--from', legacyPath]);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/imported 0 run\(s\), 130 already imported/);
    });

    it('exits non-zero when v1 and v2 disagree, and 2 on a usage error', async () => {
      expect((await cli(['--from', legacyPath])).code).toBe(0);
      // A v1 row whose created_at cannot be read is imported, but its time cannot match.
      await insertRuns(legacy, [
        { id: 300, prompt: 'p', response: 'r', provider: 'openai', tokens: 1, latency_ms: 1, metadata: null, created_at: 'last tuesday', batch_id: null },
      ]);
      const disagreeing = await cli(['--from', legacyPath]);
      expect(disagreeing.code).toBe(1);
      expect(disagreeing.stdout).toMatch(/warning: 1 v1 row\(s\) had an unreadable created_at \(ids 300\)/);
      expect(disagreeing.stdout).toMatch(/DIFF timestamps/);
      expect(disagreeing.stdout).toMatch(/result: v1 and v2 DISAGREE/);

      expect((await cli([])).code).toBe(2);
      expect((await cli(['--from', join(t.dir, 'missing.db')])).code).toBe(2);
    });
  });
});
