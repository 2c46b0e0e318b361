// Node fast path for the hottest write: captured calls go through one cached prepared INSERT on a
// native libSQL connection to the same file, a whole group in one transaction. (@libsql/client
// prepares every statement anew — with raw_calls' triggers that costs more than the insert.)
// Synchronous from BEGIN to COMMIT, so it never interleaves with the client's own writes.
import Database from 'libsql';
import { LOCAL_CONNECTION_PRAGMAS, localDatabasePath } from '../db/client';
import { RAW_CALL_COLUMNS } from '../capture/raw-call-row';

// No RETURNING: SQLite gathers returned rows in a table of their own first, 4–10 µs a row (the two
// statements alternated in one loop); the row's id is the statement's last insert rowid, which a row
// a trigger inserts elsewhere no longer changes once the statement is done.
export const INSERT_SQL = `INSERT INTO raw_calls (${RAW_CALL_COLUMNS.map(([, column]) => column.name).join(', ')})
  VALUES (${RAW_CALL_COLUMNS.map(() => '?').join(', ')})`;

/** Inserts rows given as rawCallValues(row), in one transaction; answers their ids. */
export type CallInserter = ((rows: unknown[][]) => number[]) & { close?: () => void };

/** For `file:` URLs only; undefined elsewhere (remote libSQL goes through the client). */
export function nativeCallInserter(url: string): CallInserter | undefined {
  const path = localDatabasePath(url);
  if (!path) return undefined;
  // No busy timeout (it would block the event loop): the CallWriter waits for a locked database.
  const open = () => {
    const db = new Database(path, { timeout: 0 });
    for (const pragma of LOCAL_CONNECTION_PRAGMAS) db.exec(pragma);
    const insert = db.prepare(INSERT_SQL);
    const insertAll = db.transaction((rows: unknown[][]) => rows.map((values) => Number(insert.run(...values).lastInsertRowid)));
    return { db, insertAll };
  };
  let connection = open();
  const insertRows = (rows: unknown[][]) => {
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
