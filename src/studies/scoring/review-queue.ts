// The review queue of a study: its answered calls where the latest human label disagrees with the
// scorer, then those no human has labelled yet, in item order. A page of them at a time; the count
// of what is left is capped, so a study of 100,000 answers costs one bounded scan.
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';

export const REVIEW_PAGE = 50;
/** Past this many, what is left reads "1,000+": counting further would scan the whole study. */
export const REVIEW_COUNT_CAP = 1_000;

export type ReviewShow = 'all' | 'disagree' | 'unlabelled';

export interface ReviewRow {
  call_id: number;
  item_id: number;
  target_index: number;
  sample_index: number;
  text: string | null;
  answer: string | null;
  pass: number | null;
  human_pass: number | null;
  human_label: string | null;
  human_detail: string | null;
}

type Scorer = { name: string; version: number } | null;

/** Answered tasks of the study with their scorer's verdict and latest human label. */
const answered = (studyId: number, scorer: Scorer) => sql`
  SELECT t.last_call_id AS call_id, t.item_id, t.target_index, t.sample_index,
         json_extract(c.response_json, '$.text') AS text, a.answer, a.pass,
         h.pass AS human_pass, h.label AS human_label, h.detail_json AS human_detail, h.id AS human_id
    FROM batch_tasks t
    JOIN raw_calls c ON c.id = t.last_call_id
    LEFT JOIN scores a ON a.call_id = t.last_call_id AND a.scorer = ${scorer?.name ?? null} AND a.version = ${scorer?.version ?? null}
    LEFT JOIN scores h ON h.id = (SELECT max(x.id) FROM scores x WHERE x.call_id = t.last_call_id AND x.scorer = 'human')
   WHERE t.batch_id = ${studyId} AND t.status = 'success'`;

// A cleared label is a human row with pass, label and value all null: the call counts as unseen again.
const disagreeing = sql`human_pass IS NOT NULL AND pass IS NOT NULL AND human_pass <> pass`;
const unlabelled = sql`human_pass IS NULL AND human_label IS NULL`;

function condition(show: ReviewShow) {
  if (show === 'disagree') return disagreeing;
  if (show === 'unlabelled') return unlabelled;
  return sql`(${disagreeing}) OR (${unlabelled})`;
}

/** A page of the queue: disagreements first (they are what the numbers hinge on), then unlabelled answers, each in item order (the task key's index: no sort). */
export async function reviewQueue(db: Database, studyId: number, scorer: Scorer, show: ReviewShow, limit = REVIEW_PAGE) {
  const page = (where: ReturnType<typeof sql>, n: number) =>
    n <= 0
      ? Promise.resolve([] as ReviewRow[])
      : db.all<ReviewRow>(sql`
    SELECT call_id, item_id, target_index, sample_index, text, answer, pass, human_pass, human_label, human_detail
      FROM (${answered(studyId, scorer)})
     WHERE ${where}
     ORDER BY item_id, target_index, sample_index
     LIMIT ${n}`);
  const first = show === 'unlabelled' ? [] : await page(disagreeing, limit);
  const rows = show === 'disagree' ? first : [...first, ...(await page(unlabelled, limit - first.length))];
  const counts = await db.all<{ disagree: number; unlabelled: number }>(sql`
    SELECT count(CASE WHEN ${disagreeing} THEN 1 END) AS disagree, count(CASE WHEN ${unlabelled} THEN 1 END) AS unlabelled
      FROM (SELECT * FROM (${answered(studyId, scorer)}) WHERE ${condition(show)} LIMIT ${REVIEW_COUNT_CAP + 1})`);
  const { disagree = 0, unlabelled: unseen = 0 } = counts[0] ?? {};
  return { rows, disagree, unlabelled: unseen, capped: disagree + unseen > REVIEW_COUNT_CAP };
}
