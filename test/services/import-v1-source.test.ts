import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkV1Source, importV1, LegacyImportError, openV1Copy } from '../../src/import-v1/import';
import { validateBackfill } from '../../src/import-v1/report';
import { createTestApp, type TestApp } from '../support/app';
import { createV1Database, createWalPendingV1Database, databaseFileHashes, insertRuns, v1Run, v1Runs } from './import-v1-fixtures';

describe('the v1 file an import reads', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(() => t.close());
  const target = () => ({ client: t.deps.database.client });
  const v1Dir = () => {
    const dir = join(t.dir, 'v1');
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it('is read through a private copy: its bytes, and the files beside it, are as they were', async () => {
    const path = join(v1Dir(), 'legacy.db');
    (await createV1Database(path, v1Runs())).close();
    const before = { hashes: databaseFileHashes(path), files: readdirSync(v1Dir()) };

    const copy = await openV1Copy(path);
    expect(copy.path).not.toBe(path);
    expect(await checkV1Source(copy.client)).toEqual([]);
    expect((await importV1(target(), copy.client)).runs_imported).toBe(130);
    expect((await validateBackfill(target(), copy.client)).ok).toBe(true);
    copy.close();

    expect(databaseFileHashes(path)).toEqual(before.hashes);
    expect(readdirSync(v1Dir())).toEqual(before.files);
    expect(existsSync(copy.path)).toBe(false);
  });

  it('imports the rows only in a pending WAL, leaving the v1 file and its WAL untouched', async () => {
    const path = await createWalPendingV1Database(v1Dir());
    // Without its WAL the database file holds only the first 130 runs.
    const fileOnly = join(t.dir, 'file-only.db');
    copyFileSync(path, fileOnly);
    const withoutWal = createClient({ url: `file:${fileOnly}` });
    expect(Number((await withoutWal.execute('SELECT count(*) AS n FROM inference_runs')).rows[0]!.n)).toBe(130);
    withoutWal.close();

    const before = databaseFileHashes(path);
    expect(before).toMatchObject({ db: expect.any(String), '-wal': expect.any(String), '-shm': null, '-journal': null });
    const copy = await openV1Copy(path);
    expect(await importV1(target(), copy.client)).toMatchObject({ runs_imported: 150 });
    expect((await validateBackfill(target(), copy.client)).counts).toEqual({ v1: 150, v2: 150, ok: true });
    copy.close();
    expect(databaseFileHashes(path)).toEqual(before);
  });

  it('is copied again when it changes mid-copy, and refused when it never settles', async () => {
    const path = join(v1Dir(), 'busy.db');
    const writer = await createV1Database(path, v1Runs());
    let nextId = 500;
    let copies = 0;
    /** A v1 app still writing: a run lands while each of the first `changes` copies is made. */
    const copyWhileWriting = (changes: number) => async (from: string, to: string) => {
      copies++;
      if (changes-- > 0) await insertRuns(writer, [v1Run(nextId++)]);
      await copyFile(from, to);
    };

    const settled = await openV1Copy(path, { copyFile: copyWhileWriting(1) });
    expect(copies).toBe(2); // the first copy was made while the file changed, so it was made again
    expect(Number((await settled.client.execute('SELECT count(*) AS n FROM inference_runs')).rows[0]!.n)).toBe(131);
    settled.close();

    await expect(openV1Copy(path, { copyFile: copyWhileWriting(Infinity) })).rejects.toThrow(
      /busy\.db kept changing while it was copied: stop the program writing to it/,
    );
    writer.close();
  });

  it('is refused, in one sentence, when it is missing, a directory or not a SQLite database', async () => {
    const dir = v1Dir();
    writeFileSync(join(dir, 'notes.txt'), 'id,prompt\n1,hello\n');
    writeFileSync(join(dir, 'empty.db'), '');
    // A SQLite header and then nonsense: only SQLite itself can tell.
    writeFileSync(join(dir, 'damaged.db'), Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4080, 0xab)]));
    const refusal = async (path: string) => {
      const error = await openV1Copy(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LegacyImportError);
      expect((error as Error).message).not.toContain('\n');
      return (error as Error).message;
    };
    expect(await refusal(join(dir, 'missing.db'))).toBe(`no such file: ${join(dir, 'missing.db')}`);
    expect(await refusal(dir)).toBe(`${dir} is a directory, not a v1 database file`);
    expect(await refusal(join(dir, 'notes.txt'))).toBe(`${join(dir, 'notes.txt')} is not a SQLite database`);
    expect(await refusal(join(dir, 'empty.db'))).toBe(`${join(dir, 'empty.db')} is not a SQLite database (it is empty)`);
    expect(await refusal(join(dir, 'damaged.db'))).toMatch(/^cannot read .*damaged\.db: /);
    expect(readdirSync(dir).sort()).toEqual(['damaged.db', 'empty.db', 'notes.txt']);
  });
});

describe('checkV1Source', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(() => t.close());

  it('lists every problem with its row count and the first ten ids, and accepts odd but usable rows', async () => {
    const legacy = await createV1Database(join(t.dir, 'bad.db'), [
      ...v1Runs(),
      ...Array.from({ length: 15 }, (_, i) => v1Run(201 + i, { tokens: 'n/a' })),
      v1Run(216, { tokens: 12.5 }),
      v1Run(217, { latency_ms: '12ms' }),
      v1Run(218, { created_at: 'last tuesday' }),
      v1Run(219, { created_at: null }),
      v1Run(220, { metadata: new Uint8Array([1, 2, 3]) }),
      v1Run(221, { prompt: new Uint8Array([4]) }),
      v1Run(222, { provider: '' }),
      v1Run(223, { batch_id: new Uint8Array([5]) }),
      // Usable: metadata that is text but not JSON is kept as text; a numeric created_at is epoch seconds.
      v1Run(224, { metadata: 'not json {' }),
      v1Run(225, { created_at: 1714554000, latency_ms: 7, tokens: null }),
    ]);
    expect(await checkV1Source(legacy)).toEqual([
      { problem: 'provider is not text', rows: 1, ids: [222] },
      { problem: 'prompt is not text', rows: 1, ids: [221] },
      { problem: 'tokens is not a whole number', rows: 16, ids: [201, 202, 203, 204, 205, 206, 207, 208, 209, 210] },
      { problem: 'latency_ms is not a number', rows: 1, ids: [217] },
      { problem: 'metadata is binary, not JSON or text', rows: 1, ids: [220] },
      { problem: 'batch_id is binary, not text', rows: 1, ids: [223] },
      { problem: 'created_at is missing or not a date and time', rows: 2, ids: [218, 219] },
    ]);
    legacy.close();
  });

  it('checks the table and its required columns before any row', async () => {
    const legacy = createClient({ url: `file:${join(t.dir, 'shapes.db')}` });
    await legacy.execute('CREATE TABLE something_else (id INTEGER)');
    expect(await checkV1Source(legacy)).toEqual([{ problem: 'no inference_runs table: is this a v1 database?', rows: 0, ids: [] }]);
    await legacy.execute('CREATE TABLE inference_runs (id INTEGER PRIMARY KEY, prompt TEXT, created_at TEXT)');
    expect(await checkV1Source(legacy)).toEqual([{ problem: 'inference_runs lacks column(s) response, provider', rows: 0, ids: [] }]);
    legacy.close();
  });

  it('refuses ids that are not unique integers, since rows are read a page of ids at a time', async () => {
    const legacy = createClient({ url: `file:${join(t.dir, 'ids.db')}` });
    await legacy.execute('CREATE TABLE inference_runs (id TEXT, prompt TEXT, response TEXT, provider TEXT, created_at TEXT)');
    for (const id of ['a', '1', '1', '2.5']) {
      await legacy.execute({ sql: "INSERT INTO inference_runs VALUES (?, 'p', 'r', 'openai', '2024-05-01')", args: [id] });
    }
    expect(await checkV1Source(legacy)).toEqual([
      { problem: 'id is not an integer', rows: 4, ids: ["'1'", "'1'", "'2.5'", "'a'"] },
      { problem: 'id is not unique', rows: 2, ids: ["'1'", "'1'"] },
    ]);
    legacy.close();
  });
});
