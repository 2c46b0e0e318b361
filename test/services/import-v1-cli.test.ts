import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient, type Client } from '@libsql/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bootstrap } from '../../src/bootstrap';
import { createTestApp, type TestApp } from '../support/app';
import { BATCH_A, createV1Database, createWalPendingV1Database, databaseFileHashes, insertRuns, v1Run, v1Runs } from './import-v1-fixtures';

const run = promisify(execFile);

describe('npm run import:v1', () => {
  let t: TestApp;
  let legacy: Client;
  let legacyPath: string;
  let targetPath: string;
  let tempDir: string;

  beforeEach(async () => {
    t = await createTestApp();
    legacyPath = join(t.dir, 'legacy-v1.db');
    targetPath = join(t.dir, 'cli-target.db');
    tempDir = join(t.dir, 'tmp');
    mkdirSync(tempDir);
    legacy = await createV1Database(legacyPath, v1Runs());
  });
  afterEach(() => {
    legacy.close();
    t.close();
  });

  const cli = (args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/import-v1.ts', ...args], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, DATABASE_URL: `file:${targetPath}`, TMPDIR: tempDir },
    }).then(
      (out) => ({ code: 0, stdout: out.stdout, stderr: out.stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  /** SQL against the CLI's target database, which the CLI opens and closes on each run. */
  const onTarget = async (sql: string) => {
    const client = createClient({ url: `file:${targetPath}` });
    try {
      return (await client.execute(sql)).rows;
    } finally {
      client.close();
    }
  };
  const targetCalls = async () => Number((await onTarget('SELECT count(*) AS n FROM raw_calls'))[0]!.n);
  const STACK_FRAME = /^\s+at /m;
  /** The CLI reads a copy of the v1 file under TMPDIR; it must be gone once the CLI exits (tsx keeps its cache there). */
  const expectNoCopyLeft = () => expect(readdirSync(tempDir).filter((name) => name.startsWith('study-import-v1-'))).toEqual([]);

  it('imports, prints the validation report and exits 0; a re-run imports nothing and still agrees', async () => {
    const first = await cli(['--from', legacyPath]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/imported 130 run\(s\), 0 already imported; 2 batch group\(s\) created, 7 member\(s\) added/);
    expect(first.stdout).toMatch(/ok {3}rows: v1 130, v2 130/);
    expect(first.stdout).toMatch(/result: v1 and v2 agree/);
    const second = await cli(['--from', legacyPath]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/imported 0 run\(s\), 130 already imported/);
    expectNoCopyLeft();
  });

  it('exits 2 with a message and no stack trace on a usage error, and creates no target', async () => {
    const dir = join(t.dir, 'a-folder');
    mkdirSync(dir);
    writeFileSync(join(t.dir, 'notes.txt'), 'not a database');
    writeFileSync(join(t.dir, 'empty.db'), '');
    const cases: Array<[string[], RegExp]> = [
      [[], /^usage: npm run import:v1 -- --from/],
      [['--from'], /^Option '--from <value>' argument missing/],
      [['--from', legacyPath, '--sample', 'many'], /^usage: /],
      [['--from', join(t.dir, 'missing.db')], /^cannot import: no such file: .*missing\.db$/],
      [['--from', dir], /^cannot import: .*a-folder is a directory, not a v1 database file$/],
      [['--from', join(t.dir, 'notes.txt')], /^cannot import: .*notes\.txt is not a SQLite database$/],
      [['--from', join(t.dir, 'empty.db')], /^cannot import: .*empty\.db is not a SQLite database \(it is empty\)$/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr.trim()).toMatch(message);
      expect(result.stderr).not.toMatch(STACK_FRAME);
      expect(result.stdout).toBe('');
    }
    // The file errors are one line each; the argument errors add the usage line.
    expect((await cli(['--from', dir])).stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(targetPath)).toBe(false);
  });

  it('exits 2 listing every bad row by id, before creating the target', async () => {
    await insertRuns(legacy, [v1Run(777, { tokens: 'n/a' }), v1Run(778, { latency_ms: 'fast' }), v1Run(800, { created_at: 'last tuesday' })]);
    const result = await cli(['--from', legacyPath]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `cannot import ${legacyPath}: 3 problem(s) found; nothing was written`,
      '  tokens is not a whole number: 1 row(s), id(s) 777',
      '  latency_ms is not a number: 1 row(s), id(s) 778',
      '  created_at is missing or not a date and time: 1 row(s), id(s) 800',
    ]);
    expect(result.stdout).toBe('');
    expect(existsSync(targetPath)).toBe(false);
    expectNoCopyLeft();
  });

  it('leaves an existing target byte for byte as it was when a later v1 row is bad', async () => {
    expect((await cli(['--from', legacyPath])).code).toBe(0);
    const before = databaseFileHashes(targetPath);
    await insertRuns(legacy, [v1Run(131), v1Run(132, { created_at: null })]);
    const result = await cli(['--from', legacyPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('created_at is missing or not a date and time: 1 row(s), id(s) 132');
    expect(databaseFileHashes(targetPath)).toEqual(before);
  });

  it('exits 1 when v1 and v2 disagree', async () => {
    expect((await cli(['--from', legacyPath])).code).toBe(0);
    // Groups are mutable: someone added a call of their own to an imported batch.
    await onTarget(`INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, request_hash, metadata_json)
                    VALUES ('echo', 'echo-1', 'chat', 'success', '{}', '{"text":"mine"}', 'h', '{}')`);
    await onTarget(`INSERT INTO group_members (group_id, call_id, position)
                    SELECT group_id, (SELECT max(id) FROM raw_calls), 99 FROM legacy_imported_batches WHERE v1_batch_id = '${BATCH_A}'`);
    const disagreeing = await cli(['--from', legacyPath]);
    expect(disagreeing.code).toBe(1);
    expect(disagreeing.stdout).toMatch(/DIFF batches: v1 2 \(7 runs\), v2 2 groups \(8 members\)/);
    expect(disagreeing.stdout).toMatch(/result: v1 and v2 DISAGREE/);
  });

  it('exits 1 with one line when the import fails, having written nothing; the next run imports everything once', async () => {
    const deps = await bootstrap({ DATABASE_URL: `file:${targetPath}` });
    await deps.database.client.execute(`CREATE TRIGGER refuse_99 BEFORE INSERT ON legacy_imported_runs WHEN NEW.v1_id = 99
                                        BEGIN SELECT RAISE(ABORT, 'target refuses run 99'); END`);
    deps.database.close();
    const failed = await cli(['--from', legacyPath]);
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim()).toMatch(/^import failed and was rolled back; nothing from this run was written: .*target refuses run 99$/);
    expect(await targetCalls()).toBe(0);
    expectNoCopyLeft();

    await onTarget('DROP TRIGGER refuse_99');
    const retried = await cli(['--from', legacyPath]);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(/imported 130 run\(s\), 0 already imported/);
    expect(await targetCalls()).toBe(130);
  });

  it('never changes the v1 file: not its bytes, not its pending WAL, and creates nothing beside it', async () => {
    const walDir = join(t.dir, 'wal-source');
    mkdirSync(walDir);
    const walSource = await createWalPendingV1Database(walDir);
    legacy.close();
    for (const source of [legacyPath, walSource]) {
      const before = databaseFileHashes(source);
      const result = await cli(['--from', source]);
      expect(result.code).toBe(0);
      expect(databaseFileHashes(source)).toEqual(before);
    }
    // The WAL's 20 runs were imported too: 130 from the first file, 150 from the second (ids 1–130 already in).
    expect(await targetCalls()).toBe(150);
  });
});
