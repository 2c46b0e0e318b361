// Which APIs besides chat each OpenAI-style server serves itself. Most local servers and proxies
// (Ollama, vLLM, LM Studio, LiteLLM…) serve chat completions only and answer /responses and
// /completions with a 404. Unless the configuration says what a server serves (OPENAI_APIS,
// LLM_ENDPOINT_<NAME>_APIS), a request is sent as it came — the probe — and a 404 saying the
// endpoint (not the model) is missing has it translated to chat instead, and every later request to
// that provider and endpoint until restart. The probe is made before capture, so that the request
// still ends in one row: the translated call's, which says `translated_after` and `probe_ms`.
import type { Config, ExtraApi } from '../config';
import type { Logger } from '../logging';
import type { Provider, ProviderError } from '../providers/types';

/**
 * How a request reaches its provider: sent as it came (`passthrough`), sent as it came with a 404
 * for a missing endpoint answered by translating (`probe`), or translated to chat — because the
 * provider is not an OpenAI-style server or is said to serve chat only (`translate`), or because it
 * answered such a 404 before (`translate_after_404`).
 */
export type ApiRoute = 'passthrough' | 'probe' | 'translate' | 'translate_after_404';

export class ServedApis {
  /** Providers whose configuration lists what they serve: they are never probed. */
  private readonly declared: ReadonlySet<string>;
  /** `provider\0endpoint` → what a probe found: served, or missing (which never changes back). */
  private readonly found = new Map<string, 'served' | 'missing'>();

  constructor(
    config: Pick<Config, 'providers'>,
    private readonly logger: Logger,
  ) {
    this.declared = new Set(config.providers.filter((p) => p.apis !== undefined).map((p) => p.name));
  }

  route(provider: Provider, endpoint: ExtraApi): ApiRoute {
    if (!provider.passthrough?.endpoints.has(endpoint)) return 'translate';
    if (this.declared.has(provider.name)) return 'passthrough';
    const found = this.found.get(key(provider, endpoint));
    return found === 'missing' ? 'translate_after_404' : found === 'served' ? 'passthrough' : 'probe';
  }

  /** A probe was answered: later requests skip the probe (a missing endpoint is never retried). */
  learn(provider: Provider, endpoint: ExtraApi, found: 'served' | 'missing', error?: ProviderError) {
    const at = key(provider, endpoint);
    const known = this.found.get(at);
    if (known === 'missing' || known === found) return;
    this.found.set(at, found);
    if (found === 'served') return;
    this.logger.info({
      event: 'gateway_endpoint_missing',
      provider: provider.name,
      endpoint: `/${endpoint}`,
      said: error?.message,
      effect: `${endpoint} requests to ${provider.name} are translated to chat completions until restart; its APIS setting (OPENAI_APIS, LLM_ENDPOINT_<NAME>_APIS) can say so up front`,
    });
  }
}

const key = (provider: Provider, endpoint: ExtraApi) => `${provider.name}\u0000${endpoint}`;

/** What the row of a request translated because its endpoint is missing says about it. */
export const translatedAfter = (endpoint: ExtraApi) => ({ translated_after: `${endpoint}_404` });

/**
 * Whether a 404 says the endpoint is missing rather than the model. A missing model is worded by the
 * server's authors, and always names it — OpenAI's and Groq's code `model_not_found`, Azure's
 * `DeploymentNotFound`, vLLM's "The model `x` does not exist.", Ollama's `model "x" not found, try
 * pulling it first`. A missing route is whatever the server's web framework answers, which has no
 * common shape — OpenAI's "Invalid URL (POST /v1/responses)", FastAPI's "Not Found" (vLLM, LiteLLM),
 * Gin's "404 page not found" (Ollama), llama.cpp's "File Not Found", Express's "Cannot POST",
 * LM Studio's "Unexpected endpoint or method", an empty body. So: a 404 whose code or message names a
 * model or deployment is the model's; any other 404 is the endpoint's.
 */
export function endpointMissing(error: ProviderError): boolean {
  if (error.status !== 404) return false;
  if (/model|deployment/i.test(error.options.code ?? '')) return false;
  // The path a route's 404 quotes ("(POST /v1/models/x)") is not the server speaking of a model.
  const words = error.message.replace(/\S*\/\S*/g, ' ');
  return !/\b(?:model|deployment)s?\b/i.test(words);
}
