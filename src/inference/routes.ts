// POST /api/v1/inference: one prompt, `samples` times, to one provider; every call captured.
import { z } from 'zod';
import { inferenceContext, type AppDeps } from '../deps';
import { runInference } from './service';
import { apiRouter, createRoute, errors, json, jsonBody } from '../api/contract';
import { capturedCallSchema } from '../schemas/call-responses';
import { inferenceBodySchema } from '../schemas/requests';

const infer = createRoute({
  method: 'post',
  path: '/',
  tags: ['Inference'],
  summary: 'Send a prompt (or messages) to a provider, `samples` times',
  description: 'Every attempt is captured, success or failure; a failed call is answered with status `failed`, not an HTTP error.',
  request: { body: jsonBody(inferenceBodySchema) },
  responses: {
    200: json(z.strictObject({ calls: z.array(capturedCallSchema) }), 'One entry per sample, in order'),
    ...errors(400, 404, 409, 415),
  },
});

export function inferenceRoutes(deps: AppDeps) {
  return apiRouter().openapi(infer, async (c) => {
    const calls = await runInference(inferenceContext(deps), c.req.valid('json'), { requestId: c.get('requestId') });
    return c.json({ calls }, 200);
  });
}
