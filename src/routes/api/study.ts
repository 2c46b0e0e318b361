// A study's statistics, scoring and export: /api/v1/batches/:id/report, /score, /scoring, /export.
import type { AppEnv } from '../../app-env';
import { Hono, type Context } from 'hono';
import { stringify } from 'csv-stringify/sync';
import { serviceContext, type AppDeps } from '../../deps';
import { validate } from '../../http/validation';
import { batchProgress } from '../../services/batches';
import { pagedStream } from '../../services/export';
import { recentScoringRuns, scoringProgress, startScoring } from '../../services/scoring';
import { studyExport, type StudyExportRow } from '../../services/study-export';
import { studyReport } from '../../services/study-report-items';
import { reportQuerySchema, scoreBodySchema, scoringRunParamSchema, studyExportQuerySchema } from './batch-schemas';
import { idParamSchema } from './schemas';

/** Workers end a request's work with its response unless told to wait for it. */
export function keepRunning(c: Context, work: Promise<unknown>) {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // Node: no execution context; the process keeps running the work.
  }
}

export function studyRoutes(deps: AppDeps) {
  const db = deps.database.db;
  const ctx = serviceContext(deps);
  return new Hono<AppEnv>()
    .get('/:id/report', validate('param', idParamSchema), validate('query', reportQuerySchema), async (c) => {
      const id = c.req.valid('param').id;
      const { body } = await studyReport(db, id, c.req.valid('query'));
      return c.json(deps.scrub({ ...body, progress: await batchProgress(ctx, id) }));
    })
    .post('/:id/score', validate('param', idParamSchema), validate('json', scoreBodySchema), async (c) => {
      const id = c.req.valid('param').id;
      const { progress, work } = await startScoring(deps.scoring, id, c.req.valid('json'));
      keepRunning(c, work);
      return c.json(progress, 202, { location: `/api/v1/batches/${id}/scoring/${progress.id}` });
    })
    .get('/:id/scoring', validate('param', idParamSchema), async (c) => {
      const id = c.req.valid('param').id;
      await batchProgress(ctx, id);
      return c.json({ runs: await recentScoringRuns(deps.scoring, id) });
    })
    .get('/:id/scoring/:run', validate('param', scoringRunParamSchema), async (c) => {
      const { id, run } = c.req.valid('param');
      return c.json(await scoringProgress(deps.scoring, id, run));
    })
    .get('/:id/export', validate('param', idParamSchema), validate('query', studyExportQuerySchema), async (c) => {
      const id = c.req.valid('param').id;
      const { format } = c.req.valid('query');
      const exported = await studyExport(db, id, deps.scrub);
      const encode = format === 'csv' ? csvEncoder(exported.scorers) : (rows: StudyExportRow[]) => rows.map((row) => `${JSON.stringify(row)}\n`).join('');
      const body = pagedStream(exported.pages, encode, (error) =>
        deps.logger.error({ event: 'export_failed', request_id: c.get('requestId' as never), error: deps.redact(String(error)) }),
      );
      return c.body(body, 200, {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
        'content-disposition': `attachment; filename="study-${id}-scored.${format}"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
    });
}

const json = (value: unknown) => (value == null ? null : JSON.stringify(value));

/** CSV: the task's columns, then per scorer its pass, value, label and compared answer, then the human label. */
function csvEncoder(scorers: string[]) {
  const columns: Array<[string, (row: StudyExportRow) => unknown]> = [
    ['item_key', (r) => r.item_key],
    ['item_position', (r) => r.item_position],
    ['prompt', (r) => r.prompt],
    ['expected', (r) => (typeof r.expected === 'string' ? r.expected : json(r.expected))],
    ['fields', (r) => json(r.fields)],
    ['target_index', (r) => r.target_index],
    ['target', (r) => r.target],
    ['provider', (r) => r.provider],
    ['model', (r) => r.model],
    ['params', (r) => json(r.params)],
    ['sample_index', (r) => r.sample_index],
    ['status', (r) => r.status],
    ['call_id', (r) => r.call_id],
    ['answer', (r) => r.answer],
    ['error_class', (r) => r.error_class],
    ['latency_ms', (r) => r.latency_ms],
    ['prompt_tokens', (r) => r.prompt_tokens],
    ['completion_tokens', (r) => r.completion_tokens],
    ['cost_usd', (r) => r.cost_usd],
    ...scorers.flatMap((name): Array<[string, (row: StudyExportRow) => unknown]> => [
      [`${name}.version`, (r) => r.scores[name]?.version],
      [`${name}.pass`, (r) => r.scores[name]?.pass],
      [`${name}.value`, (r) => r.scores[name]?.value],
      [`${name}.label`, (r) => r.scores[name]?.label],
      [`${name}.answer`, (r) => r.scores[name]?.answer],
    ]),
    ['human.pass', (r) => r.human?.pass],
    ['human.value', (r) => r.human?.value],
    ['human.label', (r) => r.human?.label],
    ['human.by', (r) => r.human?.created_by],
  ];
  return (rows: StudyExportRow[], first: boolean) =>
    stringify(
      rows.map((row) => columns.map(([, value]) => value(row) ?? null)),
      // escape_formulas: answers are model output; a cell starting with = + - @ must not run in a spreadsheet.
      { header: first, columns: columns.map(([name]) => name), escape_formulas: true, cast: { boolean: (value) => (value ? 'true' : 'false') } },
    );
}
