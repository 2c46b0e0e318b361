import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importV1, LegacyImportError, v1TimestampToIso } from '../../src/import-v1/import';
import { formatBackfillReport, validateBackfill } from '../../src/import-v1/report';
import { createTestApp, type TestApp } from '../support/app';
import { BATCH_A, BATCH_B, createV1Database, insertRuns, v1Run, v1Runs } from './import-v1-fixtures';

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

  describe('all or nothing', () => {
    const count = async (table: string) => Number((await rows(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
    const nothingWritten = async () => {
      expect(await count('raw_calls')).toBe(0);
      expect(await count('legacy_imported_runs')).toBe(0);
      expect(await count('groups')).toBe(0);
      expect(await count('legacy_imported_batches')).toBe(0);
      expect(await count('group_members')).toBe(0);
    };

    it('refuses a v1 database with a bad row on a later page before writing anything', async () => {
      await insertRuns(legacy, [v1Run(777, { tokens: 'n/a' })]);
      const refused = await importV1(target(), legacy, { pageSize: 50 }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(LegacyImportError);
      expect((refused as LegacyImportError).problems).toEqual([{ problem: 'tokens is not a whole number', rows: 1, ids: [777] }]);
      expect((refused as Error).message).toMatch(/tokens is not a whole number: 1 row\(s\), id\(s\) 777/);
      await nothingWritten();
    });

    it('leaves nothing behind when a write fails mid-import, so a re-run imports every row once', async () => {
      // The target refuses v1 run 77 (on the second page of 50): the first page must not stay committed.
      await t.deps.database.client.execute(`CREATE TRIGGER refuse_77 BEFORE INSERT ON legacy_imported_runs WHEN NEW.v1_id = 77
                                            BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
      await expect(importV1(target(), legacy, { pageSize: 50 })).rejects.toThrow(/disk on fire/);
      await nothingWritten();

      await t.deps.database.client.execute('DROP TRIGGER refuse_77');
      expect(await importV1(target(), legacy, { pageSize: 50 })).toMatchObject({ runs_imported: 130, runs_already_imported: 0, batches_created: 2 });
      expect(await count('raw_calls')).toBe(130);
      expect((await validateBackfill(target(), legacy)).ok).toBe(true);
    });

    it('rolls the calls back too when a batch group fails to fill', async () => {
      await t.deps.database.client.execute(`CREATE TRIGGER refuse_members BEFORE INSERT ON group_members
                                            BEGIN SELECT RAISE(ABORT, 'no members today'); END`);
      await expect(importV1(target(), legacy)).rejects.toThrow(/no members today/);
      await nothingWritten();
    });

    it('keeps an earlier import whole when a later run fails, and the next run adds only the new rows', async () => {
      await importV1(target(), legacy);
      await insertRuns(legacy, [v1Run(131, { batch_id: BATCH_A }), v1Run(132)]);
      await t.deps.database.client.execute(`CREATE TRIGGER refuse_132 BEFORE INSERT ON legacy_imported_runs WHEN NEW.v1_id = 132
                                            BEGIN SELECT RAISE(ABORT, 'not now'); END`);
      await expect(importV1(target(), legacy)).rejects.toThrow(/not now/);
      expect(await count('raw_calls')).toBe(130);
      expect(await count('group_members')).toBe(7);

      await t.deps.database.client.execute('DROP TRIGGER refuse_132');
      expect(await importV1(target(), legacy)).toMatchObject({ runs_imported: 2, runs_already_imported: 130, batches_created: 0, members_added: 1 });
      expect(await count('raw_calls')).toBe(132);
      expect((await validateBackfill(target(), legacy)).ok).toBe(true);
    });
  });

  it('compares timestamp ranges by time, not by how v1 happened to write them', async () => {
    // As text, '2024-03-05 10:…' sorts before '2024-03-05T…', but 04:00+05:00 is 2024-03-04T23:00Z: the earliest.
    await insertRuns(legacy, [v1Run(131, { created_at: '2024-03-05T04:00:00+05:00' }), v1Run(132, { created_at: '2024-03-05T11:30:00Z' })]);
    await importV1(target(), legacy);
    const report = await validateBackfill(target(), legacy);
    expect(report.timestamps).toEqual({
      v1: { first: '2024-03-04T23:00:00.000Z', last: '2024-03-05T11:30:00.000Z' },
      v2: { first: '2024-03-04T23:00:00.000Z', last: '2024-03-05T11:30:00.000Z' },
      ok: true,
    });
    expect(report.ok).toBe(true);
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
});
