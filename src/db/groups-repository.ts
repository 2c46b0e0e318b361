// SQL for groups and group_members.
import { eq, sql } from 'drizzle-orm';
import type { Database } from './client';
import { groupMembers, groups } from './schema';

export async function getGroup(db: Database, id: number) {
  const [row] = await db.select().from(groups).where(eq(groups.id, id)).limit(1);
  return row;
}

/** Appends calls to a group; positions continue after the current last member. */
export async function addGroupMembers(db: Database, groupId: number, callIds: number[], role?: string) {
  if (callIds.length === 0) return;
  const [last] = await db
    .select({ position: sql<number | null>`max(${groupMembers.position})` })
    .from(groupMembers)
    .where(eq(groupMembers.groupId, groupId));
  const start = (last?.position ?? -1) + 1;
  await db
    .insert(groupMembers)
    .values(callIds.map((callId, i) => ({ groupId, callId, position: start + i, role: role ?? null })))
    .onConflictDoNothing();
}
