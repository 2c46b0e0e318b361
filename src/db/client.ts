// Opens libSQL (embedded file, :memory: or a remote server) as a drizzle database.
import { createClient, type Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import * as schema from './schema';

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
  if (url.startsWith('file:')) {
    const { mkdir } = await import('node:fs/promises');
    const { dirname } = await import('node:path');
    const path = url.slice('file:'.length).split('?')[0]!;
    await mkdir(dirname(path), { recursive: true });
  }
  const client = createClient({ url, authToken });
  if (url.startsWith('file:')) {
    // WAL lets readers run beside the writer; busy_timeout makes a locked database wait, not fail.
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA synchronous = NORMAL');
  }
  await client.execute('PRAGMA busy_timeout = 10000');
  await client.execute('PRAGMA foreign_keys = ON');
  return wrapClient(client);
}
