// SQL for groups and group_members.
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { groupMembers, groups } from '../db/schema';

export async function getGroup(db: Database, id: number) {
  const [row] = await db.select().from(groups).where(eq(groups.id, id)).limit(1);
  return row;
}

/**
 * Appends calls to a group; positions continue after the current last member. One statement, so two
 * additions at the same moment (two requests, two servers) never take the same positions.
 */
export async function addGroupMembers(db: Database, groupId: number, callIds: number[], role?: string) {
  if (callIds.length === 0) return;
  await db.run(sql`
    INSERT OR IGNORE INTO ${groupMembers} (group_id, call_id, position, role)
    SELECT ${groupId}, j.value,
           (SELECT coalesce(max(position), -1) FROM ${groupMembers} WHERE group_id = ${groupId}) + 1 + j.key, ${role ?? null}
      FROM json_each(${JSON.stringify(callIds)}) j`);
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
  // One statement: SQLite takes the write lock before the NOT EXISTS check, so two first uses of a
  // new name at the same moment (two requests, or two Worker isolates) still make one group.
  await db.run(sql`
    INSERT INTO ${groups} (group_type, name, metadata_json)
    SELECT ${groupType}, ${idOrName}, '{}'
     WHERE NOT EXISTS (SELECT 1 FROM ${groups} WHERE name = ${idOrName})`);
  const [byName] = await db.select().from(groups).where(eq(groups.name, idOrName)).orderBy(groups.id).limit(1);
  return byName!;
}

export async function listGroups(db: Database, filters: { type?: string; q?: string }, limit: number, cursor?: number) {
  const rows = await db.all<{
    id: number;
    group_type: string;
    name: string;
    description: string | null;
    metadata_json: string;
    created_at: string;
    members: number;
  }>(sql`
    SELECT g.id, g.group_type, g.name, g.description, g.metadata_json, g.created_at,
           (SELECT count(*) FROM group_members m WHERE m.group_id = g.id) AS members
      FROM groups g
     WHERE 1 = 1
       ${filters.type ? sql`AND g.group_type = ${filters.type}` : sql``}
       ${filters.q ? sql`AND g.name LIKE ${`%${filters.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`} ESCAPE '\\'` : sql``}
       ${cursor !== undefined ? sql`AND g.id < ${cursor}` : sql``}
     ORDER BY g.id DESC
     LIMIT ${limit + 1}`);
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
}

export async function groupMembersPage(db: Database, groupId: number, afterPosition: number, limit: number) {
  return db.all<{
    call_id: number;
    position: number | null;
    role: string | null;
    added_at: string;
    provider: string;
    model: string;
    status: string;
    latency_ms: number | null;
    created_at: string;
  }>(sql`
    SELECT m.call_id, m.position, m.role, m.added_at, c.provider, c.model, c.status, c.latency_ms, c.created_at
      FROM group_members m JOIN raw_calls c ON c.id = m.call_id
     WHERE m.group_id = ${groupId} AND coalesce(m.position, -1) > ${afterPosition}
     ORDER BY m.position, m.call_id
     LIMIT ${limit}`);
}

/** Per provider/model in a group: calls, successes, failures, latency, tokens, cost. */
export async function groupTargetSummary(db: Database, groupId: number) {
  return db.all<{
    provider: string;
    model: string;
    calls: number;
    success: number;
    failed: number;
    avg_latency_ms: number | null;
    total_tokens: number | null;
    cost_usd: number | null;
  }>(sql`
    SELECT c.provider, c.model, count(*) AS calls,
           sum(c.status = 'success') AS success, sum(c.status = 'failed') AS failed,
           round(avg(c.latency_ms), 3) AS avg_latency_ms, sum(c.total_tokens) AS total_tokens, sum(c.cost_usd) AS cost_usd
      FROM group_members m JOIN raw_calls c ON c.id = m.call_id
     WHERE m.group_id = ${groupId}
     GROUP BY c.provider, c.model
     ORDER BY calls DESC`);
}

export async function existingCallIds(db: Database, ids: number[]): Promise<Set<number>> {
  const found = new Set<number>();
  for (let i = 0; i < ids.length; i += 500) {
    const slice = ids.slice(i, i + 500);
    const rows = await db.all<{ id: number }>(sql`SELECT id FROM raw_calls WHERE id IN (${sql.join(slice.map((id) => sql`${id}`), sql`, `)})`);
    rows.forEach((r) => { found.add(r.id); });
  }
  return found;
}

/** The groups a call belongs to (experiments, labels, its study or conversation). */
export async function groupsOfCall(db: Database, callId: number) {
  return db.all<{ id: number; name: string; group_type: string }>(
    sql`SELECT g.id, g.name, g.group_type FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.call_id = ${callId} ORDER BY g.id`,
  );
}
