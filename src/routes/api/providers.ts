import { Hono } from 'hono';
import type { AppDeps } from '../../deps';

/** Configured providers and their models; never keys or endpoint URLs. */
export function providerRoutes(deps: AppDeps) {
  return new Hono().get('/', (c) =>
    c.json({
      providers: deps.providers.list().map((p) => ({
        name: p.name,
        kind: p.kind,
        label: p.label,
        models: p.models,
        default_model: p.defaultModel,
        offline: p.kind === 'echo',
      })),
    }),
  );
}
