// SQL for conversation turns: the captured calls of a conversation group, in order.
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';

export interface TurnRow {
  call_id: number;
  status: 'success' | 'failed';
  request_json: string;
  response_json: string | null;
  error_json: string | null;
  created_at: string;
}

/**
 * The calls captured as turns of conversation `id` (raw_calls.conversation_id, which only the
 * conversation service writes). Turns captured before that column existed are recognised by the
 * metadata they were captured with.
 */
export async function conversationTurns(db: Database, id: number): Promise<TurnRow[]> {
  return db.all<TurnRow>(sql`
    SELECT c.id AS call_id, c.status, c.request_json, c.response_json, c.error_json, c.created_at
      FROM group_members m JOIN raw_calls c ON c.id = m.call_id
     WHERE m.group_id = ${id}
       AND (c.conversation_id = ${id}
            OR (c.conversation_id IS NULL AND json_extract(c.metadata_json, '$.source') = 'conversation'
                AND json_extract(c.metadata_json, '$.conversation_id') = ${id}))
     ORDER BY m.position, m.call_id`);
}
