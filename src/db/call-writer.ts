// Group commit for captured calls: rows finished in the same event-loop turn are written in one
// transaction. Each caller still gets its own id, and only after the row is committed.
import { rawCalls, type NewRawCall } from './schema';
import type { Database } from './client';
import { insertCall } from './calls-repository';
import type { CallInserter } from './native-call-inserter';

interface Pending {
  row: NewRawCall;
  resolve: (id: number) => void;
  reject: (error: unknown) => void;
}

const MAX_ROWS_PER_COMMIT = 256;
const nextTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);

export class CallWriter {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Database,
    /** Synchronous many-row insert (Node, local file); without it rows go through drizzle. */
    private readonly nativeInsert?: CallInserter,
  ) {}

  insert(row: NewRawCall): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        nextTurn(() => void this.flush());
      }
    });
  }

  private async flush() {
    const pending = this.queue.splice(0, MAX_ROWS_PER_COMMIT);
    if (this.queue.length) nextTurn(() => void this.flush());
    else this.scheduled = false;
    if (this.nativeInsert) return this.flushNative(pending);
    if (pending.length === 1) return this.insertOne(pending[0]!);
    try {
      const statements = pending.map((p) => this.db.insert(rawCalls).values(p.row).returning({ id: rawCalls.id }));
      const results = await this.db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
      results.forEach((rows, i) => pending[i]!.resolve(rows[0]!.id));
    } catch {
      // One bad row rolls back the whole commit: write them one by one so only it fails.
      await Promise.all(pending.map((p) => this.insertOne(p)));
    }
  }

  private flushNative(pending: Pending[]) {
    const insert = this.nativeInsert!;
    try {
      insert(pending.map((p) => p.row)).forEach((id, i) => pending[i]!.resolve(id));
    } catch {
      for (const p of pending) {
        try {
          p.resolve(insert([p.row])[0]!);
        } catch (error) {
          p.reject(error);
        }
      }
    }
  }

  private async insertOne(p: Pending) {
    try {
      p.resolve(await insertCall(this.db, p.row));
    } catch (error) {
      p.reject(error);
    }
  }
}
