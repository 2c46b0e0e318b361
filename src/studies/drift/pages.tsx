// Page: /studies/:id/drift?baseline= — the drift report of a study against an earlier run.
import { Hono } from 'hono';
import type { AppEnv } from '../../app-env';
import type { AppDeps } from '../../deps';
import { AppError } from '../../errors';
import { idParamSchema } from '../../schemas/requests';
import { driftQuerySchema } from '../../schemas/study-drift';
import { parseWith } from '../../pages/form-input';
import { DriftPage } from '../../../views/studies/runs/drift';
import { getStudy } from '../repository';
import { computeDrift } from './service';

/** Drifted cells shown on the page; the JSON pages through all of them. */
const SHOWN_CELLS = 200;

export function studyDriftPages(deps: AppDeps) {
  const db = deps.database.db;
  return new Hono<AppEnv>().get('/studies/:id/drift', async (c) => {
    const parsed = idParamSchema.safeParse({ id: c.req.param('id') });
    if (!parsed.success) throw new AppError(404, 'not_found', 'no such study');
    const id = parsed.data.id;
    const raw = c.req.query('baseline');
    if (!raw) {
      // No baseline picked yet: the form alone, once the study is known to exist.
      if (!(await getStudy(db, id))) throw new AppError(404, 'not_found', `study ${id} does not exist`);
      return c.html(<DriftPage id={id} report={null} />);
    }
    const query = parseWith(driftQuerySchema, { baseline: raw, ...(c.req.query('scorer') ? { scorer: c.req.query('scorer') } : {}) });
    const report = await computeDrift(db, id, query.baseline, { scorer: query.scorer, drifted: true, limit: SHOWN_CELLS });
    return c.html(<DriftPage id={id} report={deps.scrub(report)} />);
  });
}
