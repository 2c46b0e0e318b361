// The OpenAI-compatible gateway (/v1): OpenAI clients pointed here work unchanged and every call is
// captured — chat completions, the Responses API, legacy completions, embeddings and the model list.
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { serviceContext, type AppDeps } from '../deps';
import { limitBody } from '../http/body-limit';
import { setAnswerHeader } from '../http/response-headers';
import { ModelRouter } from './model-routes';
import { chatRoutes } from './chat';
import { completionsRoutes } from './completions';
import { embeddingRoutes } from './embeddings';
import { GatewayError, gatewayErrorHandler } from './errors';
import type { GatewayContext } from './gateway-context';
import { responsesRoutes } from './responses';
import { ServedApis } from './served-apis';

// Larger than the JSON API's limit: images reach chat models inline, as base64.
export const GATEWAY_MAX_BODY_BYTES = 4 * 1024 * 1024;

export { GatewayError } from './errors';

export function gatewayRoutes(deps: AppDeps) {
  const ctx = serviceContext(deps);
  const g: GatewayContext = {
    deps,
    ctx,
    router: new ModelRouter(deps.providers, deps.config.modelRoutes, deps.config.defaultProvider),
    embeddings: deps.embeddings,
    apis: new ServedApis(deps.config, deps.logger),
  };
  const gateway = new Hono<AppEnv>();
  gateway.use(
    limitBody(GATEWAY_MAX_BODY_BYTES, () => {
      throw new GatewayError(413, `Request body is larger than ${GATEWAY_MAX_BODY_BYTES} bytes`, 'invalid_request_error', 'payload_too_large');
    }),
  );
  // Every answer says which request it was: a streaming client finds its captured row by it.
  gateway.use(async (c, next) => {
    await next();
    setAnswerHeader(c, 'x-study-request-id', c.get('requestId'));
  });
  gateway.onError(gatewayErrorHandler(deps));

  gateway.get('/models', (c) => c.json({ object: 'list', data: g.router.list() }));
  gateway.get('/models/:model{.+}', (c) => {
    const id = c.req.param('model');
    return c.json({ id, object: 'model', created: 0, owned_by: g.router.resolve(id).provider.name });
  });
  gateway.route('/', chatRoutes(g));
  gateway.route('/', responsesRoutes(g));
  gateway.route('/', completionsRoutes(g));
  gateway.route('/', embeddingRoutes(g));
  // The app's own 404 speaks our API's error shape; OpenAI clients expect theirs.
  gateway.all('*', (c) => {
    throw new GatewayError(404, `Invalid URL (${c.req.method} ${c.req.path})`, 'invalid_request_error', null);
  });
  return gateway;
}
