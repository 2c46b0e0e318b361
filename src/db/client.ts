// Node: opens libSQL (embedded file, :memory: or a remote server) as a drizzle database. Only the
// embedded driver is loaded up front; the client for a remote server (its HTTP and WebSocket protocol
// stacks, several MiB of memory) is loaded when DATABASE_URL names one. Workers open theirs in worker.ts.
import type { Client } from '@libsql/client';
import { createClient as createLocalClient } from '@libsql/client/sqlite3';
import { drizzle } from 'drizzle-orm/libsql/sqlite3';
import { retryWhileBusy } from './busy-retry';
import * as schema from './schema';

/** The file behind a `file:` URL; undefined for anything else (remote libSQL, `:memory:`). */
export function localDatabasePath(url: string): string | undefined {
  return url.startsWith('file:') ? url.slice('file:'.length).split('?')[0] : undefined;
}

export type Database = ReturnType<typeof drizzle<typeof schema>>;

export interface DatabaseHandle {
  client: Client;
  db: Database;
  close(): void;
}

export function wrapClient(client: Client): DatabaseHandle {
  return { client, db: drizzle(client, { schema }), close: () => client.close() };
}

/**
 * The WAL is checkpointed inside a commit once it holds this many pages (SQLite's default is 1,000).
 * That checkpoint copies what the checkpointer thread (src/node/wal-checkpointer.ts) has not copied
 * yet and syncs both files on the event loop, 2–14 ms on a shared VM: at 1,000 pages a 200 ms study
 * at 320 calls/s met one every half second (~70 in a 10,000-call run), at 8,000 a few. The WAL file
 * grows to about 32 MB before it starts over.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 8_000;

/**
 * Per-connection settings of every local connection. libSQL builds enforce foreign keys by default;
 * saying so here keeps them enforced whatever the build. NORMAL sync in WAL mode is durable across
 * process crashes.
 */
export const LOCAL_CONNECTION_PRAGMAS = [
  'PRAGMA foreign_keys = ON',
  'PRAGMA synchronous = NORMAL',
  `PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`,
];

/** Node: embedded libSQL file (directory created), tuned for many small concurrent writes. */
export async function openDatabase(url: string, authToken?: string): Promise<DatabaseHandle> {
  const path = localDatabasePath(url);
  if (path) {
    const { mkdir } = await import('node:fs/promises');
    const { dirname } = await import('node:path');
    await mkdir(dirname(path), { recursive: true });
  }
  if (path === undefined) {
    const { createClient } = await import('@libsql/client');
    return wrapClient(createClient({ url, authToken }));
  }
  // One connection for an embedded file: every statement runs synchronously on it anyway, and a pool
  // would contend for SQLite's single write lock (and lose per-connection PRAGMAs). No busy timeout:
  // see busy-retry.ts for how another process's lock is waited for.
  const raw = createLocalClient({ url, timeout: 0, concurrency: 1 });
  const applyPragmas = async () => {
    for (const pragma of LOCAL_CONNECTION_PRAGMAS) await raw.execute(pragma);
  };
  const reopen = async () => {
    await raw.reconnect();
    await applyPragmas();
  };
  const client = waitingForLocks(raw, reopen);
  // WAL lets readers run beside the writer (and beside other processes' writers).
  await client.execute('PRAGMA journal_mode = WAL');
  await applyPragmas();
  return wrapClient(client);
}

/** The client, with every call that meets another process's write lock waited for and retried. */
function waitingForLocks(client: Client, reopen: () => Promise<void>): Client {
  const retried = new Set<PropertyKey>(['execute', 'batch', 'migrate', 'transaction']);
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      // executeMultiple is not atomic: a retry could run its first statements twice.
      if (!retried.has(property)) return method;
      return (...args: unknown[]) => retryWhileBusy(() => method(...args) as Promise<unknown>, { reopen });
    },
  });
}
