// The review queue of a study: its answered calls where the latest human label disagrees with the
// scorer, then those no human has labelled yet, each in item order. What it reads is bounded by the
// labels, not by the study: disagreements and counts come from the human labels (scores_report_idx),
// unlabelled answers from the first (page + labelled) answered tasks in key order, since at most
// `labelled` of those can be skipped.
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { REVIEW_PAGE_SIZE } from '../../schemas/study-requests';

export const REVIEW_PAGE = REVIEW_PAGE_SIZE;

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

const COLUMNS = sql`call_id, item_id, target_index, sample_index, text, answer, pass, human_pass, human_label, human_detail`;

/** The latest human label of each answered call of the study, beside the scorer's verdict. */
const latestLabels = (studyId: number, scorer: Scorer) => sql`
  SELECT h.call_id, t.item_id, t.target_index, t.sample_index, json_extract(c.response_json, '$.text') AS text, a.answer, a.pass,
         h.pass AS human_pass, h.label AS human_label, h.detail_json AS human_detail
    FROM scores h
    JOIN raw_calls c ON c.id = h.call_id AND c.status = 'success'
    JOIN batch_tasks t ON t.id = c.batch_task_id
    LEFT JOIN scores a ON a.call_id = h.call_id AND a.scorer = ${scorer?.name ?? null} AND a.version = ${scorer?.version ?? null}
   WHERE h.batch_id = ${studyId} AND h.scorer = 'human'
     AND h.id = (SELECT max(x.id) FROM scores x WHERE x.call_id = h.call_id AND x.scorer = 'human')`;

// A cleared label is a human row with pass, label and value all null: the call counts as unseen again.
const disagreeing = sql`human_pass IS NOT NULL AND pass IS NOT NULL AND human_pass <> pass`;
const labelled = sql`(human_pass IS NOT NULL OR human_label IS NOT NULL)`;

/** `limit` answered calls no human has labelled from the `offset`-th, in item order, reading at most `offset + limit + skip` tasks. */
const unlabelledAnswers = (studyId: number, scorer: Scorer, limit: number, skip: number, offset: number) => sql`
  SELECT t.last_call_id AS call_id, t.item_id, t.target_index, t.sample_index, json_extract(c.response_json, '$.text') AS text, a.answer, a.pass,
         h.pass AS human_pass, h.label AS human_label, h.detail_json AS human_detail
    FROM (SELECT item_id, target_index, sample_index, last_call_id FROM batch_tasks
           WHERE batch_id = ${studyId} AND status = 'success'
           ORDER BY item_id, target_index, sample_index LIMIT ${offset + limit + skip}) t
    JOIN raw_calls c ON c.id = t.last_call_id
    LEFT JOIN scores a ON a.call_id = t.last_call_id AND a.scorer = ${scorer?.name ?? null} AND a.version = ${scorer?.version ?? null}
    LEFT JOIN scores h ON h.id = (SELECT max(x.id) FROM scores x WHERE x.call_id = t.last_call_id AND x.scorer = 'human')
   WHERE h.id IS NULL OR NOT (h.pass IS NOT NULL OR h.label IS NOT NULL)
   ORDER BY t.item_id, t.target_index, t.sample_index LIMIT ${limit} OFFSET ${offset}`;

/**
 * A page of the queue from its `offset`-th answer (disagreements first: they are what the numbers hinge
 * on; a labelled disagreement stays one, so later ones are reached by paging) and how many of each there are.
 */
export async function reviewQueue(db: Database, studyId: number, scorer: Scorer, show: ReviewShow, offset = 0, limit = REVIEW_PAGE) {
  const [counts] = await db.all<{ disagree: number; labelled: number; answered: number }>(sql`
    SELECT count(CASE WHEN ${disagreeing} THEN 1 END) AS disagree, count(CASE WHEN ${labelled} THEN 1 END) AS labelled,
           (SELECT tasks_success FROM batches WHERE group_id = ${studyId}) AS answered
      FROM (${latestLabels(studyId, scorer)})`);
  const { disagree = 0, labelled: seen = 0, answered = 0 } = counts ?? {};
  const page = (query: SQL) => db.all<ReviewRow>(query);
  const disagreements = show === 'unlabelled' ? 0 : disagree;
  const first =
    offset >= disagreements
      ? []
      : await page(sql`SELECT ${COLUMNS} FROM (${latestLabels(studyId, scorer)}) WHERE ${disagreeing} ORDER BY item_id, target_index, sample_index LIMIT ${limit} OFFSET ${offset}`);
  const room = limit - first.length;
  const rest = show === 'disagree' || room <= 0 ? [] : await page(unlabelledAnswers(studyId, scorer, room, seen, Math.max(0, offset - disagreements)));
  const unlabelled = Math.max(0, (answered ?? 0) - seen);
  const total = disagreements + (show === 'disagree' ? 0 : unlabelled);
  return { rows: [...first, ...rest], disagree, unlabelled, offset, total };
}
