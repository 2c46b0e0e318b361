// Node only: the costly part of WAL checkpoints runs in a worker thread, not inside our commits.
// SQLite's automatic checkpoint runs in whichever commit takes the WAL past its threshold
// (WAL_AUTOCHECKPOINT_PAGES in src/db/client.ts): it copies the pages into the database file and
// fsyncs it on the event loop, stalling every request in flight for 10–20 ms. A thread with its own
// connection checkpoints passively (never waiting for readers or writers) ten times a second, so
// when a commit does reach the threshold nearly every page is already copied: that commit copies the
// few left and lets the WAL start over. (The automatic checkpoint stays on: under steady writes only
// a checkpoint inside a commit ever finds the WAL fully copied, which is what lets it restart instead
// of growing.)
// The thread (a Node instance of its own, some 8 MiB resident) starts only once the WAL file first
// reaches START_AT_WAL_BYTES, far below that threshold: a server that has written little never needs
// it (a fresh database after migrations and 20 gateway calls holds ~0.9 MiB), and one under steady
// writes gets it long before a commit would checkpoint on the event loop.
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const INTERVAL_MS = 100;
/** 512 pages of 4 KiB: a sixteenth of the automatic checkpoint's 8,000 (WAL_AUTOCHECKPOINT_PAGES). */
export const START_AT_WAL_BYTES = 2 * 1024 * 1024;

// Plain CommonJS, so it runs the same under node, tsx and vitest (no TypeScript loader needed).
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.libsql);
const db = new Database(workerData.path);
const timer = setInterval(() => {
  try {
    db.exec('PRAGMA wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.message) || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointer {
  close(): void;
}

export function startWalCheckpointer(
  path: string,
  onError: (message: string) => void,
  options: { startAtWalBytes?: number; onStart?: () => void } = {},
): WalCheckpointer {
  const startAt = options.startAtWalBytes ?? START_AT_WAL_BYTES;
  let worker: Worker | undefined;
  let closed = false;
  let looking = false;
  const start = () => {
    clearInterval(watch);
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, libsql: createRequire(import.meta.url).resolve('libsql'), intervalMs: INTERVAL_MS },
    });
    worker.unref();
    worker.on('message', (message: { error?: string }) => message.error && onError(message.error));
    worker.on('error', (error) => onError(error.message));
    options.onStart?.();
  };
  // The file keeps its size when the WAL starts over, so its size is the most the WAL has held.
  const look = () => {
    if (looking) return;
    looking = true;
    stat(`${path}-wal`)
      .then((file) => !closed && !worker && file.size >= startAt && start())
      .catch(() => undefined) // no WAL file yet
      .finally(() => (looking = false));
  };
  const watch = setInterval(look, INTERVAL_MS);
  watch.unref();
  look();
  return {
    close: () => {
      closed = true;
      clearInterval(watch);
      worker?.postMessage('close');
    },
  };
}
