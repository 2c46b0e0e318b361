// GET /api/v1/calls/export?format=csv|jsonl — every call matching the call-list filters, streamed.
import { z } from 'zod';
import { stringify } from 'csv-stringify/sync';
import type { RawCall } from '../db/schema';
import type { AppDeps } from '../deps';
import { callPages, pagedStream } from './export';
import { callJson, promptText } from './call-json';
import { apiRouter, createRoute, errors } from '../api/contract';
import { callFiltersOf, exportQuerySchema } from '../schemas/requests';

const json = (value: unknown) => (value == null ? '' : JSON.stringify(value));

/** One CSV row per call: the filterable columns first, then the full JSON columns, so nothing is lost. */
const CSV_COLUMNS: Array<[string, (row: RawCall) => unknown]> = [
  ['id', (r) => r.id],
  ['created_at', (r) => r.createdAt],
  ['provider', (r) => r.provider],
  ['model', (r) => r.model],
  ['modality', (r) => r.modality],
  ['status', (r) => r.status],
  ['latency_ms', (r) => r.latencyMs],
  ['prompt_tokens', (r) => r.promptTokens],
  ['completion_tokens', (r) => r.completionTokens],
  ['total_tokens', (r) => r.totalTokens],
  ['cost_usd', (r) => r.costUsd],
  ['prompt', (r) => promptText(r.requestJson)],
  ['response', (r) => (typeof r.responseJson?.text === 'string' ? r.responseJson.text : null)],
  ['error_class', (r) => r.errorJson?.class],
  ['error_message', (r) => r.errorJson?.message],
  ['request_hash', (r) => r.requestHash],
  ['request_json', (r) => json(r.requestJson)],
  ['response_json', (r) => json(r.responseJson)],
  ['error_json', (r) => json(r.errorJson)],
  ['tokens_json', (r) => json(r.tokensJson)],
  ['metadata_json', (r) => json(r.metadataJson)],
];

const FORMATS = {
  csv: {
    contentType: 'text/csv; charset=utf-8',
    encode: (rows: RawCall[], first: boolean) =>
      stringify(
        rows.map((row) => CSV_COLUMNS.map(([, value]) => value(row) ?? null)),
        // escape_formulas: a text cell starting with =, +, -, @, tab or CR (or their full-width forms)
        // gets a leading ' so a spreadsheet shows it instead of running it (OWASP, CSV injection).
        // Numbers are left alone, so a negative latency stays a number.
        { header: first, columns: CSV_COLUMNS.map(([name]) => name), escape_formulas: true },
      ),
  },
  jsonl: {
    contentType: 'application/x-ndjson; charset=utf-8',
    encode: (rows: RawCall[]) => rows.map((row) => `${JSON.stringify(callJson(row))}\n`).join(''),
  },
} as const;

const exportCalls = createRoute({
  method: 'get',
  path: '/',
  tags: ['Calls'],
  summary: 'Every call matching the call-list filters, streamed as CSV or JSONL (oldest first)',
  request: { query: exportQuerySchema },
  responses: {
    200: {
      description: 'An attachment: CSV with a header row, or one call per line (the shape of GET /api/v1/calls/{id})',
      content: { 'text/csv': { schema: z.string() }, 'application/x-ndjson': { schema: z.string() } },
    },
    ...errors(400),
  },
});

export function exportRoutes(deps: AppDeps) {
  return apiRouter().openapi(exportCalls, (c) => {
    const query = c.req.valid('query');
    const { format } = query;
    const { contentType, encode } = FORMATS[format];
    const filename = `calls-${new Date().toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}.${format}`;
    const body = pagedStream(callPages(deps.database.db, callFiltersOf(query)), (rows, first) => encode(rows.map(deps.scrub), first), (error) =>
      deps.logger.error({ event: 'export_failed', request_id: c.get('requestId'), error: deps.redact(String(error)) }),
    );
    return c.body(body, 200, {
      'content-type': contentType,
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
  });
}
