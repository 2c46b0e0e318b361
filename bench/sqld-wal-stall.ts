// Why test/support/sqld.ts starts sqld on libsql-wal: the same write load on sqld's default WAL and
// on libsql-wal, with no app code — a bare table, two @libsql/client clients, each with
// BENCH_STALL_CONCURRENCY batches in flight (default 8; the client's own default is 20). On the
// default WAL, writers get SQLITE_BUSY once the automatic checkpoint starts (the WAL past 1,000
// pages) and sqld soon stops committing altogether; a run with no commit for 15 s counts as stalled.
// Not part of `npm run bench` (the default-WAL half is expected to stall): `npx tsx bench/sqld-wal-stall.ts`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { startSqld } from '../test/support/sqld';
import { isMain } from './support';

const ROWS = Number(process.env.BENCH_STALL_ROWS ?? 15_000);
const CONCURRENCY = Number(process.env.BENCH_STALL_CONCURRENCY ?? 8);
const STALL_MS = 15_000;

async function load(flags: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sqld-wal-'));
  const sqld = await startSqld(dir, flags);
  const clients = [0, 1].map(() => createClient({ url: sqld.url, authToken: sqld.authToken, concurrency: CONCURRENCY }));
  const busy = { errors: 0 };
  let committed = 0;
  let next = 0;
  let stalled = false;
  try {
    await sqld.client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT, k INTEGER)');
    await sqld.client.execute('CREATE INDEX t_k ON t (k)');
    const started = performance.now();
    let lastCommitAt = started;
    // Rejects once no commit was made for STALL_MS: every request still waiting is cut short by it.
    let giveUp: (error: Error) => void = () => {};
    const stall = new Promise<never>((_, reject) => {
      giveUp = reject;
    });
    stall.catch(() => {});
    const watch = setInterval(() => {
      if (performance.now() - lastCommitAt <= STALL_MS) return;
      stalled = true;
      giveUp(new Error('stalled'));
    }, 500);
    const worker = async (client: (typeof clients)[number]) => {
      while (!stalled && next < ROWS) {
        const i = next++;
        try {
          await Promise.race([client.batch([{ sql: 'INSERT INTO t (body, k) VALUES (?, ?)', args: [`${'x'.repeat(3000)}${i}`, i % 7] }], 'deferred'), stall]);
          committed++;
          lastCommitAt = performance.now();
        } catch (error) {
          if (String(error).includes('SQLITE_BUSY')) busy.errors++;
        }
      }
    };
    await Promise.all(clients.flatMap((client) => Array.from({ length: CONCURRENCY }, () => worker(client))));
    clearInterval(watch);
    return { committed, busy: busy.errors, stalled, seconds: (performance.now() - started) / 1000 };
  } finally {
    for (const client of clients) client.close();
    await sqld.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  for (const [name, flags] of [['default WAL', ['--no-welcome']], ['libsql-wal', ['--no-welcome', '--use-custom-wal', 'libsql-wal']]] as const) {
    const r = await load([...flags]);
    console.log(`${name}: ${r.committed}/${ROWS} rows committed, ${r.busy} SQLITE_BUSY, ${r.stalled ? `stalled (no commit for ${STALL_MS / 1000} s)` : 'no stall'}, ${r.seconds.toFixed(1)} s`);
  }
  process.exit(0);
}
