// Page: a study's review queue — the answers where the human label and the scorer disagree, then the
// ones no human has labelled — worked through with the keyboard.
import type { AppEnv } from '../app-env';
import { Hono } from 'hono';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { idParamSchema } from '../schemas/requests';
import { reviewQuerySchema } from '../schemas/study-requests';
import { parseWith } from '../pages/form-input';
import { itemsByIds, parseJsonColumn } from './report/repository';
import { studyStatistics } from './report/service';
import { reviewQueue } from './scoring/review-queue';
import { itemPromptText } from './item-prompt';
import { ReviewPage } from '../../views/studies/review/review-queue';

export function reviewPages(deps: AppDeps) {
  const db = deps.database.db;
  return new Hono<AppEnv>().get('/studies/:id/review', async (c) => {
    const parsed = idParamSchema.safeParse({ id: c.req.param('id') });
    if (!parsed.success) throw new AppError(404, 'not_found', 'no such study');
    const id = parsed.data.id;
    const query = parseWith(reviewQuerySchema, c.req.query());
    // The scorer as the report chooses it (the one asked for, else the study's first with scores); the memo makes this cheap.
    const { stored, statistics } = await studyStatistics(db, id, { scorer: query.scorer, version: query.version });
    const scorer = statistics.scorer ? { name: statistics.scorer.name, version: statistics.scorer.version } : null;
    const queue = await reviewQueue(db, id, scorer, query.show, query.offset);
    const items = new Map((await itemsByIds(db, id, [...new Set(queue.rows.map((r) => r.item_id))])).map((item) => [item.id, item]));
    const rows = queue.rows.map((row) => {
      const item = items.get(row.item_id)!;
      return {
        ...row,
        item_key: item.item_key,
        prompt: itemPromptText(item, stored.study.template),
        expected: parseJsonColumn<unknown>(item.expected_json),
        target: statistics.targets[row.target_index]?.label ?? `target ${row.target_index}`,
      };
    });
    const scorerQuery = new URLSearchParams(scorer && query.scorer ? { scorer: scorer.name, version: String(scorer.version) } : {}).toString();
    return c.html(
      <ReviewPage
        {...deps.scrub({ studyId: id, studyName: stored.group.name, scorer, show: query.show, rows, disagree: queue.disagree, unlabelled: queue.unlabelled, offset: queue.offset, total: queue.total, scorerQuery })}
      />,
    );
  });
}
