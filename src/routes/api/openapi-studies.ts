// The OpenAPI paths of studies (batches): running them, scoring them, their report, export and labels.
import { z } from 'zod';
import { scorerConfigSchema } from '../../services/study/scorers';
import { batchBodySchema, batchResultsQuerySchema, humanLabelBodySchema, reportQuerySchema, scoreBodySchema, studyExportQuerySchema } from './batch-schemas';

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

function queryParameters(schema: z.ZodObject) {
  const properties = (jsonSchema(schema) as { properties?: Record<string, unknown> }).properties ?? {};
  return Object.entries(properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
}

const errorResponse = { $ref: '#/components/responses/Error' };
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const runParameter = { name: 'run', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };

/** A scorer as the API takes it: one of the scorer configs, with an optional `name` (default: its type). */
function namedScorerSchema() {
  const configs = jsonSchema(scorerConfigSchema) as { oneOf?: Array<Record<string, unknown>>; anyOf?: Array<Record<string, unknown>> };
  const variants = (configs.oneOf ?? configs.anyOf ?? []).map((variant) => ({
    ...variant,
    properties: { name: { type: 'string', pattern: '^[A-Za-z0-9][\\w.-]{0,63}$', description: 'unique in the study; default: the type' }, ...(variant.properties as object) },
  }));
  return { oneOf: variants };
}

function withScorers(schema: Record<string, unknown>) {
  const properties = { ...(schema.properties as Record<string, unknown>) };
  if (properties.scorers) properties.scorers = { type: 'array', minItems: 1, maxItems: 20, items: namedScorerSchema() };
  return { ...schema, properties };
}

const body = (schema: Record<string, unknown>) => ({ required: true, content: { 'application/json': { schema } } });

export function studyPaths() {
  return {
    '/api/v1/batches': {
      post: {
        summary: 'Start a study: items × targets (× sweep combinations) × samples, run in the background',
        description:
          'Items may carry `expected` (a string, a number, or a list of acceptable answers) and `fields` (for slicing). ' +
          '`sweep` expands every target once per combination of the grid; `scorers` are kept for POST /score.',
        requestBody: body(withScorers(jsonSchema(batchBodySchema))),
        responses: { 202: ok('progress'), 400: errorResponse, 413: errorResponse },
      },
      get: { summary: 'Recent studies with their progress', responses: { 200: ok('{batches: [progress]}') } },
    },
    '/api/v1/batches/{id}': { get: { summary: 'Progress: total, done, failed, pending, running, rate, ETA, targets', parameters: [idParameter], responses: { 200: ok('progress'), 404: errorResponse } } },
    '/api/v1/batches/{id}/results': {
      get: { summary: 'Per item × target: the distinct answers with counts', parameters: [idParameter, ...queryParameters(batchResultsQuerySchema)], responses: { 200: ok('{results}'), 404: errorResponse } },
    },
    '/api/v1/batches/{id}/cancel': { post: { summary: 'Cancel: no new task starts; tasks in flight are captured', parameters: [idParameter], responses: { 200: ok('progress'), 409: errorResponse } } },
    '/api/v1/batches/{id}/resume': { post: { summary: 'Run every task without a success row again', parameters: [idParameter], responses: { 202: ok('progress'), 409: errorResponse } } },
    '/api/v1/batches/{id}/report': {
      get: {
        summary: 'The study statistics: per target, per pair of targets, per slice, and a page of items × targets',
        description:
          'For one scorer version (default: the study\'s first scorer, latest version; without scores, the answers as given). ' +
          'Per target: accuracy over samples with a Wilson 95% interval, majority-vote accuracy, self-consistency, entropy, ' +
          'failure rate, latency p50/p95, tokens, cost, human-label agreement. Per pair: exact McNemar test on majority-vote ' +
          'correctness, paired bootstrap 95% interval of the accuracy difference, the items where they disagree.',
        parameters: [idParameter, ...queryParameters(reportQuerySchema)],
        responses: { 200: ok('{id, name, scorer, scorers, targets, pairs, slices, fields, items: {total, offset, limit, filters, rows}, progress}'), 400: errorResponse, 404: errorResponse },
      },
    },
    '/api/v1/batches/{id}/score': {
      post: {
        summary: 'Run (or re-run) scorers over the study\'s answers in the background; each run adds a new version',
        description:
          'Without `scorers`, the study\'s own run again. Deterministic and semantic scorers call no studied model again (the ' +
          'semantic one reads the embedding cache); an LLM judge makes one captured call per answer, counted against MAX_BATCH_TASKS. ' +
          'One scoring run of a study at a time (409).',
        parameters: [idParameter],
        requestBody: body(withScorers(jsonSchema(scoreBodySchema))),
        responses: { 202: ok('scoring run progress'), 400: errorResponse, 404: errorResponse, 409: errorResponse },
      },
    },
    '/api/v1/batches/{id}/scoring': { get: { summary: 'The study\'s recent scoring runs', parameters: [idParameter], responses: { 200: ok('{runs}'), 404: errorResponse } } },
    '/api/v1/batches/{id}/scoring/{run}': {
      get: { summary: 'One scoring run: status, total, done, unscored, judge calls, scorer versions', parameters: [idParameter, runParameter], responses: { 200: ok('scoring run progress'), 404: errorResponse } },
    },
    '/api/v1/batches/{id}/export': {
      get: {
        summary: 'Scored results, one row per task: answer, latest score of each scorer, latest human label (streamed)',
        parameters: [idParameter, ...queryParameters(studyExportQuerySchema).map((p) => ({ ...p, required: true }))],
        responses: {
          200: { description: 'CSV with a header row, or one JSON object per line', content: { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { type: 'string' } } } },
          400: errorResponse,
          404: errorResponse,
        },
      },
    },
    '/api/v1/calls/{id}/scores': {
      get: { summary: 'A call\'s scores, its human label and the label\'s history', parameters: [idParameter], responses: { 200: ok('{call_id, human, human_history, scores, disagreements}'), 404: errorResponse } },
      post: {
        summary: 'Label a call (a score with scorer "human"); null in label, value and pass clears it',
        parameters: [idParameter],
        requestBody: body(jsonSchema(humanLabelBodySchema)),
        responses: { 201: ok('the call\'s scores'), 400: errorResponse, 404: errorResponse },
      },
    },
  };
}
