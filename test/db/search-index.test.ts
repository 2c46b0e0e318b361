// The full-text index never lets a search find a secret: migration 0016 rebuilds it from the rows (so
// it holds nothing they do not), and each start rewrites the entries of rows captured before answers
// were scrubbed, which still hold a configured key (raw_calls is append-only).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client';
import { migrateDatabase, MIGRATIONS_FOLDER } from '../../src/db/migrate';
import { secretCandidatesQuery } from '../../src/calls/scrub-search-index';
import { createTestApp, type TestApp } from '../support/app';

let dir: string;
const apps: TestApp[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'study-search-index-'));
});
afterEach(() => {
  apps.splice(0).forEach((t) => { t.close(); });
  rmSync(dir, { recursive: true, force: true });
});

/** A database file with the migrations up to `lastIdx` applied. */
async function databaseMigratedTo(lastIdx: number): Promise<{ url: string; database: DatabaseHandle }> {
  const folder = join(dir, 'drizzle-before');
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, 'meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
  journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= lastIdx);
  writeFileSync(journalPath, JSON.stringify(journal));
  const url = `file:${join(dir, 'study.db')}`;
  const database = await openDatabase(url);
  await migrateDatabase(database.db, folder);
  return { url, database };
}

/** A row as an old version captured it: written straight into raw_calls, the index filled by its trigger. */
async function capturedRow(database: DatabaseHandle, prompt: string, answer: string): Promise<number> {
  const result = await database.client.execute({
    sql: `INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, request_hash, metadata_json)
          VALUES ('openai', 'gpt-test', 'chat', 'success', ?, ?, 'h', '{}') RETURNING id`,
    args: [JSON.stringify({ messages: [{ role: 'user', content: prompt }] }), JSON.stringify({ text: answer })],
  });
  return Number(result.rows[0]!.id);
}

const appOver = async (url: string, env: Record<string, string> = {}) => {
  const t = await createTestApp({ DATABASE_URL: url, ...env });
  apps.push(t);
  return t;
};
const searchIds = async (t: TestApp, q: string) => {
  const found = await (await t.get(`/api/v1/search?q=${encodeURIComponent(q)}`)).json();
  return found.results.map((r: { id: number }) => r.id);
};
const listedIds = async (t: TestApp, q: string) => {
  const found = await (await t.get(`/api/v1/calls?q=${encodeURIComponent(q)}`)).json();
  return found.calls.map((c: { id: number }) => c.id);
};

describe('the search index', () => {
  it('is rebuilt by migration 0016 from the rows: an entry holding a key its row no longer holds is found by it no more', async () => {
    const { url, database } = await databaseMigratedTo(15);
    const id = await capturedRow(database, 'what colour is the sky', 'blue, mostly');
    // The index kept text its row does not hold (the row was cleaned, the index was not). The key is
    // no longer configured anywhere: nothing but the rows can say what the index should hold.
    await database.client.execute({ sql: 'UPDATE raw_calls_fts SET response = ? WHERE rowid = ?', args: ['blue; the key is sk-rotated-long-gone-5566778899', id] });
    const before = await database.client.execute("SELECT rowid FROM raw_calls_fts WHERE raw_calls_fts MATCH '\"5566778899\"'");
    expect(before.rows).toHaveLength(1);
    database.close();

    const t = await appOver(url);
    expect(await searchIds(t, 'sk-rotated-long-gone-5566778899')).toEqual([]);
    expect(await searchIds(t, '5566778899')).toEqual([]);
    expect(await listedIds(t, '5566778899')).toEqual([]);
    // What the row holds is still found.
    expect(await searchIds(t, 'sky')).toEqual([id]);
    expect(await searchIds(t, 'mostly')).toEqual([id]);
    // New captures are indexed as before (the trigger writes into the rebuilt table).
    const [call] = (await (await t.post('/api/v1/inference', { provider: 'echo', prompt: 'a fresh question' })).json()).calls;
    expect(await searchIds(t, 'fresh')).toEqual([call.id]);
  });

  it('loses a configured key at start-up from the entries of rows captured before answers were scrubbed, the rows left as they are', async () => {
    const KEY = 'sk-proj-configured-key-0123456789abcdef';
    const { url, database } = await databaseMigratedTo(Infinity);
    const quoted = await capturedRow(database, `please repeat ${KEY}`, `you said ${KEY}`);
    const glued = await capturedRow(database, 'and this one', `token=x${KEY}; done`);
    const other = await capturedRow(database, 'an unrelated prompt', 'an unrelated answer');
    database.close();

    const t = await appOver(url, { OPENAI_API_KEY: KEY });
    expect(t.logs.join('\n')).toContain('"event":"search_index_scrubbed","entries":2');
    for (const q of [KEY, '0123456789abcdef', 'configured key']) {
      expect(await searchIds(t, q), q).toEqual([]);
      expect(await listedIds(t, q), q).toEqual([]);
    }
    // The rows are still found by their other words, and no snippet shows any part of the key.
    const found = await (await t.get('/api/v1/search?q=repeat')).json();
    expect(found.results.map((r: { id: number }) => r.id)).toEqual([quoted]);
    const snippets = JSON.stringify(found.results);
    expect(snippets).toContain('[redacted]');
    expect(snippets).not.toContain('0123456789abcdef');
    expect(await searchIds(t, 'done')).toEqual([glued]);
    expect(await searchIds(t, 'unrelated')).toEqual([other]);
    // The log itself is append-only: only the index was rewritten.
    const row = await t.deps.database.client.execute({ sql: 'SELECT response_json FROM raw_calls WHERE id = ?', args: [quoted] });
    expect(String(row.rows[0]!.response_json)).toContain(KEY);

    // The next start finds nothing left to do.
    t.close();
    apps.splice(apps.indexOf(t), 1);
    const again = await appOver(url, { OPENAI_API_KEY: KEY });
    expect(again.logs.join('\n')).not.toContain('search_index_scrubbed');
  });

  it('looks for a key as a phrase and by its long parts, so a key glued to other text is found too', () => {
    expect(secretCandidatesQuery('sk-proj-abc"def-0123456789')).toBe('"sk-proj-abc""def-0123456789" OR "0123456789"');
    expect(secretCandidatesQuery('----')).toBeUndefined();
  });
});
