// Node only: the costly part of WAL checkpoints runs in a worker thread, not inside our commits.
// SQLite's automatic checkpoint runs in whichever commit takes the WAL past its threshold
// (WAL_AUTOCHECKPOINT_PAGES in src/db/client.ts): it copies the pages into the database file and
// fsyncs it on the event loop, stalling every request in flight for 10–20 ms. A thread with its own
// connection checkpoints passively (never waiting for readers or writers) ten times a second, so
// when a commit does reach the threshold nearly every page is already copied: that commit copies the
// few left and lets the WAL start over. (The automatic checkpoint stays on: under steady writes only
// a checkpoint inside a commit ever finds the WAL fully copied, which is what lets it restart instead
// of growing.)
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const INTERVAL_MS = 100;

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

export function startWalCheckpointer(path: string, onError: (message: string) => void): WalCheckpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, libsql: createRequire(import.meta.url).resolve('libsql'), intervalMs: INTERVAL_MS },
  });
  worker.unref();
  worker.on('message', (message: { error?: string }) => message.error && onError(message.error));
  worker.on('error', (error) => onError(error.message));
  return { close: () => worker.postMessage('close') };
}
