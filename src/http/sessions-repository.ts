// SQL for browser sessions (see the `sessions` table).
import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Database } from '../db/client';
import { sessions } from '../db/schema';

export async function createSession(db: Database, session: { id: string; tokenFingerprint: string; expiresAt: string }) {
  const now = new Date().toISOString();
  // Expired sessions are of no use to anyone: dropped whenever someone signs in.
  await db.batch([db.delete(sessions).where(lt(sessions.expiresAt, now)), db.insert(sessions).values(session)]);
}

export async function isLiveSession(db: Database, id: string, tokenFingerprint: string): Promise<boolean> {
  const [row] = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(
      and(eq(sessions.id, id), eq(sessions.tokenFingerprint, tokenFingerprint), isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date().toISOString())),
    )
    .limit(1);
  return row !== undefined;
}

export async function revokeSession(db: Database, id: string) {
  await db.update(sessions).set({ revokedAt: new Date().toISOString() }).where(eq(sessions.id, id));
}
