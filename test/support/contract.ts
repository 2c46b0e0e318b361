// Every response a test gets from a documented /api/v1 route is checked against the route's declared
// contract (the schemas the OpenAPI document is generated from): an undocumented status, or a JSON
// body that does not match, fails the test that received it.
import type { z } from 'zod';
import type { AppDeps } from '../../src/deps';
import { API_BASE, apiRoutes } from '../../src/api/index';

interface DocumentedRoute {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/** `${METHOD} ${path template} ${status}` of every checked response, for the coverage test. */
export const checkedResponses = new Set<string>();

export function documentedRoutes(deps: AppDeps): DocumentedRoute[] {
  const { api } = apiRoutes(deps);
  return api.openAPIRegistry.definitions.flatMap((definition) => {
    if (definition.type !== 'route') return [];
    const { method, path, responses } = definition.route;
    const template = `${API_BASE}${path}`.replace(/\/$/, '');
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`);
    return [{ method: method.toUpperCase(), template, pattern, responses: responses as DocumentedRoute['responses'] }];
  });
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

export async function checkResponse(routes: DocumentedRoute[], request: Request, response: Response): Promise<void> {
  const { pathname } = new URL(request.url);
  const route = routes.find((r) => r.method === request.method && r.pattern.test(pathname));
  if (!route) return;
  const where = `${request.method} ${route.template} → ${response.status}`;
  const documented = route.responses[String(response.status)] ?? route.responses.default;
  if (!documented) throw new ContractViolation(`${where}: status not documented`);
  checkedResponses.add(`${request.method} ${route.template} ${response.status}`);
  const type = response.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
  const content = documented.content;
  if (!content) return;
  if (!(type in content)) throw new ContractViolation(`${where}: content-type "${type}" not documented (${Object.keys(content).join(', ')})`);
  if (type !== 'application/json') return;
  const schema = content[type]!.schema as z.ZodType;
  const result = schema.safeParse(await response.clone().json());
  if (!result.success) {
    const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ContractViolation(`${where}: body does not match the documented schema: ${issues.join('; ')}`);
  }
}

/** Makes `app.fetch` (and so `app.request` and served copies) check every documented response. */
export function enforceContract(app: { fetch: (request: Request, ...rest: never[]) => Response | Promise<Response> }, deps: AppDeps) {
  const routes = documentedRoutes(deps);
  const fetch = app.fetch.bind(app);
  app.fetch = async (request: Request, ...rest: never[]) => {
    const response = await fetch(request, ...rest);
    await checkResponse(routes, request, response);
    return response;
  };
}
