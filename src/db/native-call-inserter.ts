// Node fast path for the hottest write: captured calls go through one cached prepared INSERT on a
// native libSQL connection to the same file, a whole group in one transaction. (@libsql/client
// prepares every statement anew — with raw_calls' triggers that costs more than the insert.)
// Synchronous from BEGIN to COMMIT, so it never interleaves with the client's own writes.
import { getTableColumns } from 'drizzle-orm';
import Database from 'libsql';
import { isBusyError } from './busy-retry';
import { LOCAL_CONNECTION_PRAGMAS, localDatabasePath } from './client';
import { rawCalls, type NewRawCall } from './schema';

// The columns come from the drizzle table itself, so a column added to the schema is written here too.
const COLUMNS = Object.entries(getTableColumns(rawCalls)).filter(([key]) => key !== 'id');
const INSERT_SQL = `INSERT INTO raw_calls (${COLUMNS.map(([, column]) => column.name).join(', ')})
  VALUES (${COLUMNS.map(() => '?').join(', ')}) RETURNING id`;

/** A row as the driver takes it: JSON columns encoded exactly as drizzle encodes them. */
export function rawCallValues(row: NewRawCall): unknown[] {
  return COLUMNS.map(([key, column]) => {
    const value = row[key as keyof NewRawCall];
    if (key === 'createdAt' && value == null) return new Date().toISOString();
    return value == null ? null : column.mapToDriverValue(value);
  });
}

export type CallInserter = ((rows: NewRawCall[]) => number[]) & { close?: () => void };

/** For `file:` URLs only; undefined elsewhere (remote libSQL goes through the client). */
export function nativeCallInserter(url: string): CallInserter | undefined {
  const path = localDatabasePath(url);
  if (!path) return undefined;
  // No busy timeout (it would block the event loop): the CallWriter waits for a locked database.
  const open = () => {
    const db = new Database(path, { timeout: 0 });
    for (const pragma of LOCAL_CONNECTION_PRAGMAS) db.exec(pragma);
    const insert = db.prepare(INSERT_SQL);
    const insertAll = db.transaction((rows: NewRawCall[]) => rows.map((row) => Number((insert.get(...rawCallValues(row)) as { id: number }).id)));
    return { db, insertAll };
  };
  let connection = open();
  const insertRows = (rows: NewRawCall[]) => {
    try {
      return connection.insertAll(rows);
    } catch (error) {
      // A failed statement is left unusable by the native driver, and after SQLITE_BUSY it even keeps
      // the connection on an old snapshot: start over on a fresh connection.
      connection.db.close();
      connection = open();
      throw error;
    }
  };
  return Object.assign(insertRows, { close: () => connection.db.close() });
}
