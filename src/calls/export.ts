// Streaming export of captured calls: keyset pages pulled only as fast as the client reads, so an
// export of a million rows holds one page in memory at a time.
import { and, asc, gt, lte, max } from 'drizzle-orm';
import type { Database } from '../db/client';
import { callConditions, type CallFilters } from './repository';
import { rawCalls, type RawCall } from '../db/schema';
import { catchUpDerivedData } from '../analytics/catch-up';

export const EXPORT_PAGE_SIZE = 500;

/**
 * Matching calls, oldest first, a page at a time. The export covers the calls that existed when it
 * started: rows captured while it streams are not half-included.
 */
export async function* callPages(db: Database, filters: CallFilters, pageSize = EXPORT_PAGE_SIZE): AsyncGenerator<RawCall[]> {
  // A text filter reads the search index: bring it up to the newest row first.
  if (filters.q) await catchUpDerivedData(db);
  const [bound] = await db.select({ last: max(rawCalls.id) }).from(rawCalls);
  const last = bound?.last;
  if (last == null) return;
  for (let after = 0; ; ) {
    const rows = await db
      .select()
      .from(rawCalls)
      .where(and(...callConditions(filters), gt(rawCalls.id, after), lte(rawCalls.id, last)))
      .orderBy(asc(rawCalls.id))
      .limit(pageSize);
    if (rows.length) yield rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

/**
 * A byte stream that asks for the next page only when the reader wants more (pull-based, one page
 * queued at most). `encode(page, first)` turns a page into text; it is called once with an empty
 * page when nothing matched, so a CSV still gets its header.
 */
export function pagedStream<T>(
  pages: AsyncGenerator<T[]>,
  encode: (page: T[], first: boolean) => string,
  onError?: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let first = true;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let next: IteratorResult<T[]>;
        try {
          next = await pages.next();
        } catch (error) {
          // The status line has gone out already: all that is left is to cut the stream, and say why.
          onError?.(error);
          controller.error(error);
          return;
        }
        if (next.done) {
          if (first) {
            const empty = encode([], true);
            if (empty) controller.enqueue(encoder.encode(empty));
          }
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(encode(next.value, first)));
        first = false;
      },
      async cancel() {
        await pages.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}
