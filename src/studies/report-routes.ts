// A study's statistics, scoring and export: /api/v1/studies/:id/report, /score, /scoring, /export.
import { z } from 'zod';
import { stringify } from 'csv-stringify/sync';
import { serviceContext, type AppDeps } from '../deps';
import { studyProgress } from './service';
import { pagedStream } from '../calls/export';
import { keepRunning, recentScoringRuns, scoringProgress, startScoring } from './scoring/service';
import { studyExport, type StudyExportRow } from './report/export';
import { studyReport } from './report/report-items';
import { scoreBodySchema, scoringRunParamSchema, studyExportQuerySchema, studyReportQuerySchema } from '../schemas/study-requests';
import { apiRouter, collectionPath, createRoute, errors, json as jsonResponse, jsonBody } from '../api/contract';
import { idParamSchema } from '../schemas/requests';
import { scoringRunSchema, studyReportSchema } from '../schemas/study-report-responses';
import { fileMatrixItems, reportFileName, type ReportFileBody, type ReportFileFormat } from './report/report-figures';
import { reportLatex, reportMarkdown } from './report/report-text-files';
import { reportFileHtmlParts } from '../../views/studies/files/report-file';

/** The report as a file: what it is served as, and how it is made from the report body. */
const REPORT_FILES: Record<ReportFileFormat, { type: string; parts: (body: ReportFileBody) => AsyncIterable<string> }> = {
  html: { type: 'text/html; charset=utf-8', parts: (body) => reportFileHtmlParts(body, new Date().toISOString()) },
  md: { type: 'text/markdown; charset=utf-8', parts: (body) => oneOf(reportMarkdown(body)) },
  tex: { type: 'application/x-tex; charset=utf-8', parts: (body) => oneOf(reportLatex(body)) },
};

async function* oneOf(text: string) {
  yield text;
}

/** A file's parts as stream pages, a macrotask between them so the event loop serves others while a large file renders. */
async function* yieldingPages(parts: AsyncIterable<string>): AsyncGenerator<string[]> {
  for await (const part of parts) {
    yield [part];
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** The HTML file fetches nothing, whether opened from disk or from the server. */
const FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; sandbox";

const routes = {
  report: createRoute({
    method: 'get',
    path: '/{id}/report',
    tags: ['Studies'],
    summary: 'The study statistics: per target, per pair of targets, per slice, and a page of items × targets',
    description:
      "For one scorer version (default: the study's first scorer, latest version; without scores, the answers as given). " +
      'Every interval is over items, the population a study samples, not over samples (repeated measurements of an item). ' +
      'Per target: accuracy with the item-clustered 95% interval (clustered by cluster_by when set), the sample-level Wilson ' +
      'interval beside it for contrast, majority-vote accuracy with ties split, self-consistency and entropy in bits of the ' +
      'answers as the scorer compared them, pass@k and pass^k, cost per correct answer, failure rate, latency, tokens, and ' +
      "Cohen's κ of human labels against the scorer. Per pair of targets (every pair): the paired t over per-item accuracy " +
      'differences with its power, p-values adjusted over the family (Holm, or ?adjust=bh), and the exact McNemar test on ' +
      'majority votes. Warnings name scorer pitfalls (a scorer that passes the question itself).',
    request: { params: idParamSchema, query: studyReportQuerySchema },
    responses: {
      200: {
        description:
          'The report, with the study progress (format=json); or an attachment study-<id>.html, .md or .tex made from the same report: ' +
          'html is self-contained (inline CSS and SVG chart) with summary, pairs, warnings and the matrix (at most 500 items and 20,000 cells); md and tex hold the summary and pairs',
        content: {
          'application/json': { schema: studyReportSchema },
          'text/html': { schema: z.string() },
          'text/markdown': { schema: z.string() },
          'application/x-tex': { schema: z.string() },
        },
      },
      ...errors(400, 404),
    },
  }),
  score: createRoute({
    method: 'post',
    path: '/{id}/score',
    tags: ['Studies'],
    summary: "Run (or re-run) scorers over the study's answers in the background; each run adds a new version",
    description:
      "Without `scorers`, the study's own run again. Deterministic and semantic scorers call no studied model again (the " +
      'semantic one reads the embedding cache); an LLM judge makes one captured call per answer, counted against MAX_BATCH_TASKS. ' +
      'One scoring run of a study at a time (409).',
    request: { params: idParamSchema, body: jsonBody(scoreBodySchema) },
    responses: {
      202: {
        ...jsonResponse(scoringRunSchema, 'Started: the scoring run'),
        headers: z.object({ location: z.string().meta({ description: 'The scoring run: GET it for progress' }) }),
      },
      ...errors(400, 404, 409, 415),
    },
  }),
  runs: createRoute({
    method: 'get',
    path: '/{id}/scoring',
    tags: ['Studies'],
    summary: "The study's recent scoring runs",
    request: { params: idParamSchema },
    responses: { 200: jsonResponse(z.strictObject({ runs: z.array(scoringRunSchema) }), 'Newest first (at most 10)'), ...errors(400, 404) },
  }),
  run: createRoute({
    method: 'get',
    path: '/{id}/scoring/{run}',
    tags: ['Studies'],
    summary: 'One scoring run: status, total, done, unscored, judge calls, scorer versions',
    request: { params: scoringRunParamSchema },
    responses: { 200: jsonResponse(scoringRunSchema, 'The scoring run'), ...errors(400, 404) },
  }),
  export: createRoute({
    method: 'get',
    path: '/{id}/export',
    tags: ['Studies'],
    summary: 'Scored results, one row per task: answer, latest score of each scorer, latest human label (streamed)',
    request: { params: idParamSchema, query: studyExportQuerySchema },
    responses: {
      200: {
        description: 'An attachment: CSV with a header row, or one JSON object per line',
        content: { 'text/csv': { schema: z.string() }, 'application/x-ndjson': { schema: z.string() } },
      },
      ...errors(400, 404),
    },
  }),
};

export function studyReportRoutes(deps: AppDeps) {
  const db = deps.database.db;
  const ctx = serviceContext(deps);
  return apiRouter()
    .openapi(routes.report, async (c) => {
      const id = c.req.valid('param').id;
      const { format, ...query } = c.req.valid('query');
      if (format === 'json') {
        const { body } = await studyReport(db, id, query);
        return c.json(deps.scrub({ ...body, progress: await studyProgress(ctx, id) }), 200);
      }
      const progress = await studyProgress(ctx, id);
      // One computation, as for JSON; only the matrix's page differs: the file's cap, or none for md and tex.
      const limit = format === 'html' ? fileMatrixItems(progress.targets.length) : 0;
      const { body } = await studyReport(db, id, { ...query, limit });
      const file = REPORT_FILES[format];
      const parts = file.parts(deps.scrub({ ...body, progress }));
      const stream = pagedStream(yieldingPages(parts), (page) => page.join(''), (error) =>
        deps.logger.error({ event: 'report_file_failed', request_id: c.get('requestId'), error: deps.redact(String(error)) }),
      );
      return c.body(stream, 200, {
        'content-type': file.type,
        'content-disposition': `attachment; filename="${reportFileName(id, format)}"`,
        'content-security-policy': FILE_CSP,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
    })
    .openapi(routes.score, async (c) => {
      const id = c.req.valid('param').id;
      const { progress, work } = await startScoring(deps.scoring, id, c.req.valid('json'));
      keepRunning(c, work);
      return c.json(progress, 202, { location: `${collectionPath(c)}/${id}/scoring/${progress.id}` });
    })
    .openapi(routes.runs, async (c) => {
      const id = c.req.valid('param').id;
      await studyProgress(ctx, id);
      return c.json({ runs: await recentScoringRuns(deps.scoring, id) }, 200);
    })
    .openapi(routes.run, async (c) => {
      const { id, run } = c.req.valid('param');
      return c.json(await scoringProgress(deps.scoring, id, run), 200);
    })
    .openapi(routes.export, async (c) => {
      const id = c.req.valid('param').id;
      const { format } = c.req.valid('query');
      const exported = await studyExport(db, id, deps.scrub);
      const encode = format === 'csv' ? csvEncoder(exported.scorers) : (rows: StudyExportRow[]) => rows.map((row) => `${JSON.stringify(row)}\n`).join('');
      const body = pagedStream(exported.pages, encode, (error) =>
        deps.logger.error({ event: 'export_failed', request_id: c.get('requestId'), error: deps.redact(String(error)) }),
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
