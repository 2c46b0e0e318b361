// A database migrated by the version before issue 24 (migrations up to 0018, the last released, the search index and
// the rollups kept by triggers) upgrades in place: 0022 drops the unused request_hash index, 0023
// drops the triggers and puts the watermark after every existing row, so nothing is indexed or
// counted twice, and calls captured after the upgrade are folded in behind it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catchUpDerivedData } from '../../src/analytics/catch-up';
import { foldProgress } from '../../src/analytics/catch-up-repository';
import { openDatabase } from '../../src/db/client';
import { migrateDatabase, MIGRATIONS_FOLDER } from '../../src/db/migrate';
import { expectDashboardEqualsRecount } from '../support/analytics-recount';
import { createTestApp, type TestApp } from '../support/app';

interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
}
const journal = () => JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')).entries as JournalEntry[];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'study-upgrade-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the migrations journal', () => {
  it('numbers the migrations 0, 1, 2… with tags to match, each made after the one before', () => {
    const entries = journal();
    entries.forEach((entry, i) => {
      expect(entry.idx).toBe(i);
      expect(entry.tag.startsWith(`${String(i).padStart(4, '0')}_`), entry.tag).toBe(true);
      // drizzle applies a migration only when it is newer than the last one a database has.
      if (i > 0) expect(entry.when, entry.tag).toBeGreaterThan(entries[i - 1]!.when);
    });
    expect(entries.find((e) => e.tag.endsWith('_derived_watermark'))?.idx).toBe(entries.length - 1);
  });
});

describe('a database of the version before the watermark', () => {
  let t: TestApp | undefined;
  afterEach(() => t?.close());

  it('upgrades with every earlier call indexed and counted once, and folds later calls in behind the watermark', async () => {
    const before = journal().find((e) => e.tag === '0018_run_order_and_queue_scoring')!;
    const folder = join(dir, 'drizzle-before');
    cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
    const journalPath = join(folder, 'meta/_journal.json');
    const old = JSON.parse(readFileSync(journalPath, 'utf8'));
    old.entries = old.entries.filter((e: JournalEntry) => e.idx <= before.idx);
    writeFileSync(journalPath, JSON.stringify(old));
    const url = `file:${join(dir, 'study.db')}`;
    const database = await openDatabase(url);
    await migrateDatabase(database.db, folder);
    // Calls as the old version captured them: the triggers index and count each in its commit.
    for (let i = 0; i < 30; i++) {
      await database.client.execute({
        sql: `INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, latency_ms, prompt_tokens, completion_tokens,
                                     total_tokens, request_hash, metadata_json, created_at)
              VALUES (?, 'm', 'chat', 'success', ?, ?, ?, 3, 4, 7, ?, '{}', ?)`,
        args: [i % 2 ? 'p1' : 'p2', JSON.stringify({ messages: [{ role: 'user', content: `old harbour ${i}` }] }), JSON.stringify({ text: 'ok' }),
          10 + i, `h${i}`, new Date(Date.UTC(2026, 4, 1 + (i % 3), i)).toISOString()],
      });
    }
    const indexes = async () => (await database.client.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'raw_calls'")).rows.map((r) => r.name);
    expect(await indexes()).toContain('raw_calls_request_hash_idx');
    expect(Number((await database.client.execute('SELECT sum(calls) AS n FROM call_rollup_daily')).rows[0]!.n)).toBe(30);
    database.close();

    // The new version starts over it.
    t = await createTestApp({ DATABASE_URL: url });
    t.deps.derived.stop();
    const client = t.deps.database.client;
    const applied = await client.execute('SELECT count(*) AS n FROM __drizzle_migrations');
    expect(Number(applied.rows[0]!.n)).toBe(journal().length);
    expect(await foldProgress(t.deps.database.db)).toEqual({ foldedUpTo: 30, newest: 30 });
    const triggers = await client.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'raw_calls' AND (name LIKE '%fts%' OR name LIKE '%rollup%')");
    expect(triggers.rows).toEqual([]);
    expect((await client.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'raw_calls'")).rows.map((r) => r.name)).not.toContain(
      'raw_calls_request_hash_idx',
    );
    expect((await (await t.get('/api/v1/search?q=harbour&limit=100')).json()).results).toHaveLength(30);
    await expectDashboardEqualsRecount(t.deps.database.db, client, { from: '2026-05-01', to: '2026-05-03' });

    const res = await t.post('/api/v1/inference', { provider: 'echo', prompt: 'new harbour question' });
    const id = (await res.json()).calls[0].id as number;
    expect(id).toBe(31);
    expect((await foldProgress(t.deps.database.db)).foldedUpTo).toBe(30);
    await expectDashboardEqualsRecount(t.deps.database.db, client, { from: '2026-05-01', to: '2026-05-03' });
    expect(await catchUpDerivedData(t.deps.database.db)).toBe(1);
    const counted = await client.execute('SELECT (SELECT sum(calls) FROM call_rollup_daily) AS daily, (SELECT count(*) FROM raw_calls_fts) AS indexed');
    expect(counted.rows[0]).toMatchObject({ daily: 31, indexed: 31 });
    expect((await (await t.get('/api/v1/search?q=harbour&limit=100')).json()).results.map((r: { id: number }) => r.id)).toContain(31);
  });
});
