// How a JSON API route states its contract: request schemas (validated before the handler runs),
// response schemas (documented in /api/v1/openapi.json and checked by the route tests), one error shape.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { mergePath } from 'hono/utils/url';
import { z } from 'zod';
import type { AppEnv } from '../app-env';
import { validationHook } from '../http/validation';

export { createRoute } from '@hono/zod-openapi';

/** A sub-app of /api/v1 whose routes are declared with `createRoute` and registered with `.openapi`. */
export const apiRouter = () => new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

/**
 * `router` again, for mounting under a name it had before: it answers exactly as `router` does, and
 * the OpenAPI document lists each of its operations as deprecated, naming the one that replaces it
 * (`router`'s, mounted at `replacement`). Routes are declared once; the alias is derived from them.
 */
// biome-ignore lint/suspicious/noExplicitAny: any router's own route types
export function deprecatedAlias(router: OpenAPIHono<AppEnv, any, any>, replacement: string): OpenAPIHono<AppEnv> {
  const alias = apiRouter();
  alias.route('/', router);
  const documented = apiRouter().openAPIRegistry;
  for (const definition of router.openAPIRegistry.definitions) {
    if (definition.type !== 'route') continue;
    const { route } = definition;
    const replacedBy = `${route.method.toUpperCase()} ${mergePath(replacement, route.path)}`;
    const note = `Deprecated alias of \`${replacedBy}\`, which answers the same: use that path.`;
    documented.registerPath({ ...route, deprecated: true, description: route.description ? `${note}\n\n${route.description}` : note });
  }
  alias.openAPIRegistry = documented;
  return alias;
}

/**
 * The collection a request came in by: its route path up to the `/:id` (/api/v1/studies, or an alias
 * of it), so that the links an answer gives point where the caller already is.
 */
export const collectionPath = (c: Context) => c.req.routePath.replace(/\/(:id\b.*)?$/, '');

export const errorSchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string().meta({ description: 'Stable, machine-readable: invalid_request, not_found, limit_exceeded, …' }),
      message: z.string().meta({ description: 'For people; names the offending field first.' }),
      details: z.unknown().optional().meta({ description: 'Per-field problems, when there are several.' }),
    }),
  })
  .meta({ id: 'Error' });

const ERROR_MEANINGS: Record<number, string> = {
  400: 'The request is invalid: the message names the field',
  404: 'Nothing with that id',
  409: "The resource's state does not allow it",
  415: 'The body is not JSON',
  502: 'The provider refused or failed (the call is still captured)',
};

const jsonContent = <S extends z.ZodType>(schema: S) => ({ 'application/json': { schema } });

/** A JSON response of `schema`. */
export const json = <S extends z.ZodType>(schema: S, description: string) => ({ description, content: jsonContent(schema) });

/** A required JSON request body. */
export const jsonBody = <S extends z.ZodType>(schema: S) => ({ required: true, content: jsonContent(schema) });

/**
 * The error responses a route names, and `default` for the ones every route can give (401 without a
 * session, 403 cross-site, 413 too large, 429 throttled, 500).
 */
export const errors = (...statuses: Array<keyof typeof ERROR_MEANINGS>) => ({
  ...Object.fromEntries(statuses.map((status) => [status, json(errorSchema, ERROR_MEANINGS[status]!)])),
  default: json(errorSchema, 'Any other failure, in the same shape'),
});

export const jsonObject = z.record(z.string(), z.unknown());
