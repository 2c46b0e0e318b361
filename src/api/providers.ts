import { z } from 'zod';
import type { AppDeps } from '../deps';
import { apiRouter, createRoute, errors, json } from './contract';

const providersSchema = z.strictObject({
  providers: z.array(
    z.strictObject({
      name: z.string(),
      kind: z.string().meta({ description: 'echo, openai, azure, openai-compatible, …' }),
      label: z.string(),
      models: z.array(z.string()),
      default_model: z.string(),
      offline: z.boolean().meta({ description: 'True for echo, which calls no model' }),
    }),
  ),
});

const list = createRoute({
  method: 'get',
  path: '/',
  tags: ['System'],
  summary: 'Configured providers and their models (never keys or endpoint URLs)',
  responses: { 200: json(providersSchema, 'Every configured provider'), ...errors() },
});

export function providerRoutes(deps: AppDeps) {
  return apiRouter().openapi(list, (c) =>
    c.json(
      {
        providers: deps.providers.list().map((p) => ({
          name: p.name,
          kind: p.kind,
          label: p.label,
          models: p.models,
          default_model: p.defaultModel,
          offline: p.kind === 'echo',
        })),
      },
      200,
    ),
  );
}
