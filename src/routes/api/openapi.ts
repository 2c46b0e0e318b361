// The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with.
import { Hono } from 'hono';
import { z } from 'zod';
import pkg from '../../../package.json' with { type: 'json' };
import { callsQuerySchema, inferenceBodySchema } from './schemas';

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

function queryParameters(schema: z.ZodObject) {
  const properties = (jsonSchema(schema) as { properties?: Record<string, unknown> }).properties ?? {};
  return Object.entries(properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
}

const errorResponse = {
  description: 'Error: {error: {code, message, details?}}',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            required: ['code', 'message'],
          },
        },
      },
    },
  },
};
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };

export function buildOpenApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Study Query LLM API',
      version: pkg.version,
      description: 'Every LLM call captured, success or failure. Errors are {error: {code, message, details?}}.',
    },
    paths: {
      '/api/v1/health': { get: { summary: 'Liveness and database check', responses: { 200: ok('{ok, db, version}') } } },
      '/api/v1/providers': {
        get: { summary: 'Configured providers and their models', responses: { 200: ok('{providers: [...]}') } },
      },
      '/api/v1/inference': {
        post: {
          summary: 'Run a prompt (optionally n samples) and capture every call',
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(inferenceBodySchema) } } },
          responses: { 200: ok('{calls: [{id, status, text, provider, model, tokens, latency_ms}]}'), 400: errorResponse, 404: errorResponse },
        },
      },
      '/api/v1/calls': {
        get: {
          summary: 'Captured calls, newest first, with filters and a keyset cursor',
          parameters: queryParameters(callsQuerySchema),
          responses: { 200: ok('{calls: [...], next_cursor}'), 400: errorResponse },
        },
      },
      '/api/v1/calls/{id}': {
        get: {
          summary: 'One captured call with its full request, response and error JSON',
          parameters: [idParameter],
          responses: { 200: ok('{call}'), 404: errorResponse },
        },
      },
    },
  };
}

export function openApiRoutes() {
  const document = buildOpenApiDocument();
  return new Hono().get('/', (c) => c.json(document));
}
