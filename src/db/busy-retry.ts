// Waiting for another process's write lock without blocking the event loop.
//
// Embedded libSQL runs every statement synchronously on the event loop, so SQLite's own busy timeout
// (a sleep-and-retry loop inside the call) froze the whole server for as long as another process held
// the write lock. Our local connections use no busy timeout at all: a locked database fails the call at
// once with SQLITE_BUSY, and we wait here with timers, letting every other request run meanwhile.
//
// A statement that failed with SQLITE_BUSY is left un-reset by the native driver, and a connection
// holding one is stuck for good: it reads an old snapshot and every later write fails as locked. So
// after each BUSY the connection is dropped and reopened before the call is tried again.

/** The longest a write waits for another process's lock before it fails (what busy_timeout was). */
export const LOCK_WAIT_MS = 10_000;

export function isBusyError(error: unknown): boolean {
  const e = error as { code?: unknown; rawCode?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 'SQLITE_BUSY' || (typeof e.code === 'string' && e.code.startsWith('SQLITE_BUSY_'))) return true;
  return typeof e.rawCode === 'number' && (e.rawCode & 0xff) === 5;
}

export interface BusyRetryOptions {
  /** Drops the connection(s) that met the lock and opens fresh ones (their PRAGMAs applied again). */
  reopen: () => void | Promise<void>;
  waitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `operation`; while it fails with SQLITE_BUSY, reopens the connection and tries again after a pause. */
export async function retryWhileBusy<T>(operation: () => Promise<T>, options: BusyRetryOptions): Promise<T> {
  const deadline = Date.now() + (options.waitMs ?? LOCK_WAIT_MS);
  const sleep = options.sleep ?? sleepFor;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      await options.reopen();
      if (Date.now() >= deadline) throw error;
      // 2, 4, 8 … ms, then every 50 ms: a short lock costs little, a long one few wake-ups.
      await sleep(Math.min(50, 2 ** attempt));
    }
  }
}
