// Opens libSQL (embedded file, :memory: or a remote server) as a drizzle database.
import { createClient, type Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import * as schema from './schema';

export const BUSY_TIMEOUT_MS = 10_000;

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

/** Node: embedded libSQL file (directory created), tuned for many small concurrent writes. */
export async function openDatabase(url: string, authToken?: string): Promise<DatabaseHandle> {
  const path = localDatabasePath(url);
  if (path) {
    const { mkdir } = await import('node:fs/promises');
    const { dirname } = await import('node:path');
    await mkdir(dirname(path), { recursive: true });
  }
  // `timeout` is the busy timeout of every pooled connection: a database locked by another
  // writer makes writes wait, not fail. Multi-statement writes use batch() (one connection,
  // atomic), never interactive transactions, so our own connections never wait on each other.
  // One connection for an embedded file: every statement runs synchronously on it anyway, and a
  // pool of connections would contend for SQLite's single write lock (and lose per-connection PRAGMAs).
  const local = path !== undefined;
  const client = createClient({ url, authToken, timeout: BUSY_TIMEOUT_MS, ...(local ? { concurrency: 1 } : {}) });
  if (local) {
    // WAL lets readers run beside the writer; NORMAL sync is durable across process crashes.
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA synchronous = NORMAL');
  }
  return wrapClient(client);
}
