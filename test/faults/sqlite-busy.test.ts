// Another process holds the database's write lock (SQLITE_BUSY for us): captures wait and succeed.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCalls, createTestApp, type TestApp } from '../support/app';

const LOCK_MS = 1500;

/** Starts a separate Node process that takes the write lock, reports it, holds it, then commits. */
function holdWriteLock(url: string): Promise<{ released: Promise<void> }> {
  const script = `
    import { createClient } from '@libsql/client';
    const db = createClient({ url: ${JSON.stringify(url)} });
    const tx = await db.transaction('write');
    await tx.execute("INSERT INTO groups (group_type, name, metadata_json) VALUES ('label', 'other writer', '{}')");
    console.log('locked');
    await new Promise((r) => setTimeout(r, ${LOCK_MS}));
    await tx.commit();
    console.log('released');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const released = new Promise<void>((done) => child.once('exit', () => done()));
    child.stdout!.on('data', (d) => {
      if (String(d).includes('locked')) resolve({ released });
    });
    child.once('error', reject);
  });
}

describe('a database locked by another writer', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('makes writes wait for the lock and then succeed, losing nothing', async () => {
    const lock = await holdWriteLock(t.deps.config.databaseUrl);
    const started = Date.now();
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) => t.post('/api/v1/inference', { provider: 'echo', prompt: `while locked ${i}` })),
    );
    const waited = Date.now() - started;
    await lock.released;
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(waited).toBeGreaterThanOrEqual(LOCK_MS / 3);
    expect(await countCalls(t)).toBe(5);
    const other = await t.deps.database.client.execute("SELECT count(*) AS n FROM groups WHERE name = 'other writer'");
    expect(Number(other.rows[0]!.n)).toBe(1);
  });
});
