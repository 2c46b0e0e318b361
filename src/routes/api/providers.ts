import { Hono } from 'hono';
import type { AppDeps } from '../../deps';
import type { AppEnv } from '../../app-env';

/** Configured providers and their models; never keys or endpoint URLs. */
export function providerRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', (c) =>
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
