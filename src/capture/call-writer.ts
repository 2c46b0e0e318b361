// Group commit for captured calls: rows finished in the same event-loop turn are written in one
// transaction. Each caller still gets its own id, and only after the row is committed.
import { rawCalls, type NewRawCall } from '../db/schema';
import type { Database } from '../db/client';
import { isBusyError, retryWhileBusy } from '../db/busy-retry';
import { insertCall } from '../calls/repository';
import type { CallInserter } from '../node/native-call-inserter';
import { rawCallValues } from './raw-call-row';

interface Pending {
  row: NewRawCall;
  /** The row as the native driver takes it (JSON encoded), when the native path is used. */
  values?: unknown[];
  /** Roughly what committing it writes: the length of its encoded values. */
  bytes: number;
  resolve: (id: number) => void;
  reject: (error: unknown) => void;
}

const MAX_ROWS_PER_COMMIT = 256;
/**
 * A commit runs on the event loop (and indexes every prompt and answer for search): big rows are
 * committed a few at a time, with a turn of the loop between commits, so none blocks for long.
 */
const MAX_BYTES_PER_COMMIT = 256 * 1024;
const nextTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);
// The native inserter opens a fresh connection itself after any failure.
const NOTHING_TO_REOPEN = { reopen: () => undefined };

const encodedLength = (values: unknown[]) => values.reduce<number>((sum, v) => sum + (typeof v === 'string' ? v.length : 8), 0);

export class CallWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly flushing = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    /** Synchronous many-row insert (Node, local file); without it rows go through drizzle. */
    private readonly nativeInsert?: CallInserter,
    /** Told how many rows each commit stored (the derived-data catch-up counts them). */
    private readonly onCommitted: (rows: number) => void = () => {},
  ) {}

  insert(row: NewRawCall): Promise<number> {
    const values = rawCallValues(row);
    return new Promise((resolve, reject) => {
      this.queue.push({ row, values: this.nativeInsert ? values : undefined, bytes: encodedLength(values), resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        nextTurn(() => this.startFlush());
      }
    });
  }

  /** Resolves once every row handed to the writer so far is committed (or has failed). */
  async drain(): Promise<void> {
    while (this.queue.length || this.flushing.size || this.scheduled) {
      if (this.flushing.size) await Promise.all(this.flushing);
      else await new Promise<void>((resolve) => nextTurn(resolve));
    }
  }

  private startFlush() {
    const flush = this.flush().finally(() => this.flushing.delete(flush));
    this.flushing.add(flush);
  }

  /** The next group: up to MAX_ROWS_PER_COMMIT rows and MAX_BYTES_PER_COMMIT bytes (at least one row). */
  private takeGroup(): Pending[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < MAX_ROWS_PER_COMMIT && (count === 0 || bytes + this.queue[count]!.bytes <= MAX_BYTES_PER_COMMIT)) {
      bytes += this.queue[count]!.bytes;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async flush() {
    const pending = this.takeGroup();
    if (this.queue.length) nextTurn(() => this.startFlush());
    else this.scheduled = false;
    if (this.nativeInsert) return this.flushNative(pending);
    if (pending.length === 1) return this.insertOne(pending[0]!);
    try {
      const statements = pending.map((p) => this.db.insert(rawCalls).values(p.row).returning({ id: rawCalls.id }));
      const results = await this.db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
      results.forEach((rows, i) => { pending[i]!.resolve(rows[0]!.id); });
      this.onCommitted(pending.length);
    } catch {
      // One bad row rolls back the whole commit: write them one by one so only it fails.
      await Promise.all(pending.map((p) => this.insertOne(p)));
    }
  }

  /** Another process holding the write lock makes the group wait (on timers, not on the event loop). */
  private async flushNative(pending: Pending[]) {
    const insert = this.nativeInsert!;
    try {
      const ids = await retryWhileBusy(async () => insert(pending.map((p) => p.values!)), NOTHING_TO_REOPEN);
      ids.forEach((id, i) => { pending[i]!.resolve(id); });
      this.onCommitted(ids.length);
    } catch (error) {
      if (isBusyError(error)) return pending.forEach((p) => { p.reject(error); });
      for (const p of pending) {
        try {
          p.resolve((await retryWhileBusy(async () => insert([p.values!]), NOTHING_TO_REOPEN))[0]!);
          this.onCommitted(1);
        } catch (rowError) {
          p.reject(rowError);
        }
      }
    }
  }

  private async insertOne(p: Pending) {
    try {
      p.resolve(await insertCall(this.db, p.row));
      this.onCommitted(1);
    } catch (error) {
      p.reject(error);
    }
  }
}
