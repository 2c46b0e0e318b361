// Keeps the derived data — the full-text index and the analytics rollups — caught up with raw_calls,
// behind the watermark (drizzle/0023_derived_watermark.sql), so a captured row's own commit writes
// only the row. Many rows are folded per transaction, a bounded step at a time with a turn of the
// event loop between steps (embedded libSQL runs each step on the event loop).
//
// Who runs it: on Node a background timer (at most every second, sooner once enough rows were
// captured here), waiting for a quiet moment — no capture committed for a few ms — so a step does not
// hold up a wave of answers being captured; on Workers the request path and the queue consumer
// (after the response, at most once a second per isolate) and a cron. Anything that must see every
// row in the index — a text search, a filtered list or export — catches up first, at once. Any number
// of processes may run it at once: steps are serialised by the database's write lock and each takes
// the range after the last one.
import type { Database } from '../db/client';
import { foldNextRange, foldProgress, type FoldLimits } from './catch-up-repository';
import { nextTurn } from '../concurrency/time-slice';

/** One step: 128 rows or about 512 KB of text, whichever comes first (~5–10 ms of indexing on Node). */
export const FOLD_STEP: FoldLimits = { rows: 128, chars: 512_000 };

/**
 * Folds every row captured up to now (the newest id when called), in steps; resolves with the rows
 * this call folded (other processes may fold some meanwhile). Rows captured while it runs are left
 * for the next call, so it always ends. `beforeStep` runs before every step after the first (a
 * turn of the event loop unless given); `maxSteps` stops it sooner, leaving the rest to the next run
 * (a Workers invocation has a bounded number of subrequests, and a backlog must not exhaust them).
 */
export async function catchUpDerivedData(
  db: Database,
  limits: FoldLimits = FOLD_STEP,
  options: { isStopped?: () => boolean; beforeStep?: () => Promise<void>; maxSteps?: number } = {},
): Promise<number> {
  const isStopped = options.isStopped ?? (() => false);
  const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
  const { foldedUpTo, newest } = await foldProgress(db);
  let folded = 0;
  for (let upTo = foldedUpTo, steps = 0; upTo < newest && steps < maxSteps && !isStopped(); steps++) {
    const step = await foldNextRange(db, limits);
    folded += step.folded;
    // Never loop on a watermark that did not move (it always does while rows are above it).
    if (step.foldedUpTo <= upTo) break;
    upTo = step.foldedUpTo;
    if (upTo < newest) await (options.beforeStep ?? nextTurn)();
  }
  return folded;
}

export interface CatchUpSchedule {
  /** A run starts at most this often on its own (ms). */
  everyMs?: number;
  /** …or once this many rows were committed by this process since the last run. */
  everyRows?: number;
  /** A background step waits until no capture was committed for this long (ms)… */
  quietMs?: number;
  /** …but no longer than this (ms): under steady traffic it runs between captures anyway. */
  maxWaitMs?: number;
  /**
   * Steps a background run takes at most (Workers: each step is a round trip to the database, and an
   * invocation's subrequests are limited); the rest waits for the next run. A run asked for by a
   * reader that needs every row (`run()`) is never cut short.
   */
  backgroundSteps?: number;
  limits?: FoldLimits;
  onError?: (error: unknown) => void;
}

/** One process's catch-up runs: one at a time, started by a timer, by commits, or on request. */
export class DerivedDataCatchUp {
  private readonly everyMs: number;
  private readonly everyRows: number;
  private readonly quietMs: number;
  private readonly maxWaitMs: number;
  private readonly limits: FoldLimits;
  private readonly backgroundSteps: number;
  private readonly onError: (error: unknown) => void;
  private running: Promise<number> | undefined;
  private waiting = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private committedSinceRun = 0;
  private lastCommitAt = 0;
  private lastRunAt = 0;
  private stopped = false;

  constructor(
    private readonly db: Database,
    schedule: CatchUpSchedule = {},
  ) {
    this.everyMs = schedule.everyMs ?? 1_000;
    this.everyRows = schedule.everyRows ?? 512;
    this.quietMs = schedule.quietMs ?? 5;
    this.maxWaitMs = schedule.maxWaitMs ?? 1_000;
    this.limits = schedule.limits ?? FOLD_STEP;
    this.backgroundSteps = schedule.backgroundSteps ?? Number.POSITIVE_INFINITY;
    this.onError = schedule.onError ?? (() => {});
  }

  /** Node: runs in the background every `everyMs` (the timer never keeps the process alive). */
  start(): this {
    this.timer ??= setInterval(() => this.runWhenQuiet(), this.everyMs);
    (this.timer as { unref?: () => void }).unref?.();
    return this;
  }

  /** No run starts after this, and a run in progress stops after its current step. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Told by the call writer after each commit: enough new rows start a run before the timer would. */
  committed(rows: number): void {
    this.committedSinceRun += rows;
    this.lastCommitAt = performance.now();
    if (this.committedSinceRun >= this.everyRows) this.runWhenQuiet();
  }

  /** Workers (request path, queue consumer): a run, unless one ran or is running within `everyMs`. */
  runIfDue(): Promise<void> {
    if (this.running || Date.now() - this.lastRunAt < this.everyMs) return Promise.resolve();
    return this.runInBackground();
  }

  /** Folds everything captured up to now; resolves with the rows this run folded. */
  run(): Promise<number> {
    return this.runUpTo(Number.POSITIVE_INFINITY);
  }

  /** A background run (the ones this class starts itself, and the Workers cron): at most `backgroundSteps` steps. */
  runSome(): Promise<number> {
    return this.runUpTo(this.backgroundSteps);
  }

  private async runUpTo(maxSteps: number): Promise<number> {
    // A run already going may have started before the caller's rows: run again after it.
    while (this.running) await this.running.catch(() => 0);
    this.lastRunAt = Date.now();
    this.committedSinceRun = 0;
    const run = catchUpDerivedData(this.db, this.limits, { isStopped: () => this.stopped, beforeStep: () => this.quiet(), maxSteps }).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /** A background run, once captures pause (or `maxWaitMs` has passed). */
  private runWhenQuiet(): void {
    if (this.stopped || this.running || this.waiting) return;
    this.waiting = true;
    void this.quiet().then(() => {
      this.waiting = false;
      return this.runInBackground();
    });
  }

  /** Resolves once no capture was committed for `quietMs`, or after `maxWaitMs` at the latest. */
  private async quiet(): Promise<void> {
    const deadline = performance.now() + this.maxWaitMs;
    for (;;) {
      const quietFor = performance.now() - this.lastCommitAt;
      if (quietFor >= this.quietMs || performance.now() >= deadline || this.stopped) return;
      await new Promise((resolve) => setTimeout(resolve, this.quietMs - quietFor));
    }
  }

  private runInBackground(): Promise<void> {
    if (this.stopped || this.running) return Promise.resolve();
    return this.runSome().then(
      () => undefined,
      (error) => {
        if (!this.stopped) this.onError(error);
      },
    );
  }
}
