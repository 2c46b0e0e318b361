// SQL for raw_calls: append a captured call, read one, list with filters and a keyset cursor.
import { and, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { groupMembers, rawCalls, type NewRawCall, type RawCall } from '../db/schema';
import { catchUpDerivedData } from '../analytics/catch-up';

export interface CallFilters {
  provider?: string;
  model?: string;
  status?: 'success' | 'failed';
  groupId?: number;
  q?: string;
  from?: string;
  to?: string;
  requestId?: string;
}

export async function insertCall(db: Database, call: NewRawCall): Promise<number> {
  const [row] = await db.insert(rawCalls).values(call).returning({ id: rawCalls.id });
  return row!.id;
}

export async function getCall(db: Database, id: number): Promise<RawCall | undefined> {
  const [row] = await db.select().from(rawCalls).where(eq(rawCalls.id, id)).limit(1);
  return row;
}

/** Newest first; `cursor` is the id of the last row of the previous page. */
export async function listCalls(db: Database, filters: CallFilters, limit: number, cursor?: number) {
  if (filters.q) await catchUpDerivedData(db);
  const where = and(...callConditions(filters), cursor !== undefined ? lt(rawCalls.id, cursor) : undefined);
  const rows = await db
    .select()
    .from(rawCalls)
    .where(where)
    .orderBy(desc(rawCalls.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
}

export function callConditions(filters: CallFilters): SQL[] {
  const conditions: (SQL | undefined)[] = [
    filters.provider ? eq(rawCalls.provider, filters.provider) : undefined,
    filters.model ? eq(rawCalls.model, filters.model) : undefined,
    filters.status ? eq(rawCalls.status, filters.status) : undefined,
    filters.from ? gte(rawCalls.createdAt, filters.from) : undefined,
    filters.to ? lt(rawCalls.createdAt, filters.to) : undefined,
    filters.requestId ? eq(rawCalls.requestId, filters.requestId) : undefined,
    filters.groupId !== undefined
      ? inArray(
          rawCalls.id,
          sql`(SELECT ${groupMembers.callId} FROM ${groupMembers} WHERE ${groupMembers.groupId} = ${filters.groupId})`,
        )
      : undefined,
    // The index holds the rows up to the watermark: callers with `q` catch up first (catchUpDerivedData).
    filters.q ? sql`${rawCalls.id} IN (SELECT rowid FROM raw_calls_fts WHERE raw_calls_fts MATCH ${ftsQuery(filters.q)})` : undefined,
  ];
  return conditions.filter((c): c is SQL => c !== undefined);
}

/** User text → an FTS5 query of quoted terms (all must match), so no input is parsed as FTS syntax. */
export function ftsQuery(text: string): string {
  const terms = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  return terms.length ? terms.map((t) => `"${t}"`).join(' ') : '""';
}
