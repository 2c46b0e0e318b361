// Pages: the call browser (filters, cursor pages) and one call in full.
import { Hono, type Context } from 'hono';
import { getCall, listCalls } from './repository';
import { groupsOfCall } from '../groups/repository';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { sessionOf } from '../http/access';
import { callScores, labelCall, studyCellOf } from '../studies/scoring/human-labels';
import { CallDetailPage, CallsPage, CallsTable, type CallFilterValues } from '../../views/calls/calls';
import { LabelButtons, noteOf } from '../../views/components/label-buttons';
import { callJson, callSummaryJson } from './call-json';
import { callSource } from './call-source';
import { humanLabelBodySchema } from '../schemas/study-requests';
import { callFiltersOf, callsQuerySchema, idParamSchema } from '../schemas/requests';
import { field, parseWith, readForm } from '../pages/form-input';
import type { AppEnv } from '../app-env';

const FILTER_KEYS = ['provider', 'model', 'status', 'group_id', 'request_id', 'q', 'from', 'to'] as const;

function filterValues(c: Context): CallFilterValues {
  const values: CallFilterValues = {};
  for (const key of FILTER_KEYS) {
    const value = c.req.query(key)?.trim();
    if (value) values[key] = value;
  }
  return values;
}

async function callsTable(deps: AppDeps, c: Context) {
  const filters = filterValues(c);
  const cursor = c.req.query('cursor') || undefined;
  try {
    const query = parseWith(callsQuerySchema, { ...filters, ...(cursor ? { cursor } : {}) });
    const page = await listCalls(deps.database.db, callFiltersOf(query), query.limit, query.cursor);
    const next = page.nextCursor ? `/calls?${new URLSearchParams({ ...filters, cursor: String(page.nextCursor) })}` : null;
    return <CallsTable calls={page.rows.map((row) => ({ ...callSummaryJson(deps.scrub(row)), source: callSource(row) }))} nextHref={next} />;
  } catch (error) {
    if (error instanceof AppError) return <CallsTable calls={[]} nextHref={null} error={error.message} />;
    throw error;
  }
}

export function callPages(deps: AppDeps) {
  const db = deps.database.db;
  return new Hono<AppEnv>()
    .get('/calls', async (c) => {
      const providers = deps.providers.list().map((p) => p.name);
      return c.html(<CallsPage filters={filterValues(c)} providers={providers} table={await callsTable(deps, c)} />);
    })
    .get('/calls/table', async (c) => c.html(await callsTable(deps, c)))
    .get('/calls/:id', async (c) => {
      const parsed = idParamSchema.safeParse({ id: c.req.param('id') });
      const row = parsed.success ? await getCall(db, parsed.data.id) : undefined;
      if (!row) return c.html(<p>No such call.</p>, 404);
      const groups = await groupsOfCall(db, row.id);
      const cell = await studyCellOf(db, row.id);
      return c.html(<CallDetailPage call={callJson(deps.scrub(row))} groups={groups} scores={deps.scrub(await callScores(db, row.id))} studyCell={cell && deps.scrub(cell)} />);
    })
    // A human label from the buttons of the call page or a study cell: answers the buttons again.
    .post('/calls/:id/label', async (c) => {
      const parsed = idParamSchema.safeParse({ id: c.req.param('id') });
      if (!parsed.success) throw new AppError(404, 'not_found', 'no such call');
      const body = await readForm(c);
      const pass = field(body, 'pass');
      const label = field(body, 'label');
      // Checked as the JSON API checks a label (POST /api/v1/calls/:id/scores).
      const passed = pass === '' ? null : pass === '1' ? true : pass === '0' ? false : pass;
      const note = field(body, 'note');
      const input = parseWith(humanLabelBodySchema, { pass: passed, label: label || null, ...(note ? { note } : {}) });
      const scores = await labelCall(db, parsed.data.id, input, sessionOf(c));
      const scorer = field(body, 'scorer');
      const version = Number(field(body, 'version'));
      const automatic = scorer ? scores.scores.find((s) => s.scorer === scorer && s.version === version) : scores.scores[0];
      return c.html(
        <LabelButtons
          callId={parsed.data.id}
          human={scores.human ? { pass: scores.human.pass, label: scores.human.label, note: noteOf(scores.human.detail) } : null}
          automatic={automatic ? { scorer: automatic.scorer, version: automatic.version, pass: automatic.pass } : null}
        />,
      );
    });
}
