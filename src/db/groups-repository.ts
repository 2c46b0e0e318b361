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

export async function createGroup(
  db: Database,
  group: { groupType: string; name: string; description?: string | null; metadata?: Record<string, unknown> },
) {
  const [row] = await db
    .insert(groups)
    .values({ groupType: group.groupType, name: group.name, description: group.description ?? null, metadataJson: group.metadata ?? {} })
    .returning();
  return row!;
}

/** A group by numeric id, or else by name (the oldest of that name); created as `groupType` when missing. */
export async function findOrCreateGroup(db: Database, idOrName: string, groupType = 'label') {
  if (/^\d+$/.test(idOrName)) {
    const byId = await getGroup(db, Number(idOrName));
    if (byId) return byId;
  }
  const [byName] = await db.select().from(groups).where(eq(groups.name, idOrName)).orderBy(groups.id).limit(1);
  return byName ?? createGroup(db, { groupType, name: idOrName });
}
