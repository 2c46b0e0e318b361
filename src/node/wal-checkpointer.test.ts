import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer';

const dirs: string[] = [];
const checkpointers: WalCheckpointer[] = [];
afterEach(() => {
  for (const c of checkpointers.splice(0)) c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function walDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'wal-checkpointer-'));
  dirs.push(dir);
  const path = join(dir, 'study.db');
  const db = new Database(path);
  db.exec('PRAGMA journal_mode = WAL');
  // Off, so only the checkpointer copies pages into the database file.
  db.exec('PRAGMA wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (x TEXT)');
  const insert = db.prepare('INSERT INTO t VALUES (?)');
  return { path, db, write: (rows: number) => { for (let i = 0; i < rows; i++) insert.run('x'.repeat(2000)); } };
}

const waitFor = async (done: () => boolean, ms = 5000) => {
  for (const deadline = Date.now() + ms; !done(); ) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('startWalCheckpointer', () => {
  it('starts no thread while the WAL stays under the threshold, then starts one that copies the WAL into the database file', async () => {
    const { path, db, write } = walDatabase();
    let started = 0;
    const errors: string[] = [];
    checkpointers.push(startWalCheckpointer(path, (m) => errors.push(m), { startAtWalBytes: 256 * 1024, onStart: () => started++ }));
    write(20); // ~40 KiB of WAL
    await new Promise((r) => setTimeout(r, 400));
    expect(statSync(`${path}-wal`).size).toBeLessThan(256 * 1024);
    expect(started).toBe(0);

    const before = statSync(path).size;
    write(200); // ~400 KiB more
    await waitFor(() => started === 1);
    // The thread's passive checkpoints grow the database file by the pages the WAL holds.
    await waitFor(() => statSync(path).size > before + 256 * 1024);
    expect(started).toBe(1);
    expect(errors).toEqual([]);
    db.close();
  });

  it('never starts the thread once closed', async () => {
    const { path, db, write } = walDatabase();
    let started = 0;
    const checkpointer = startWalCheckpointer(path, () => undefined, { startAtWalBytes: 64 * 1024, onStart: () => started++ });
    checkpointer.close();
    write(100);
    await new Promise((r) => setTimeout(r, 400));
    expect(started).toBe(0);
    db.close();
  });
});
