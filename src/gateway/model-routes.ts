// How the gateway finds a provider for a model name: `provider/model`; a name or alias from
// MODEL_ROUTES; a bare name exactly one provider lists; else DEFAULT_PROVIDER. Two providers listing
// the same bare name is a clear 400, never a guess. Clients that recognise model names (reasoning
// models get `max_completion_tokens` and a `developer` role) see the bare name they know.
import type { ModelRoute } from '../config';
import { AppError } from '../errors';
import type { ProviderRegistry } from '../providers/registry';
import type { Provider } from '../providers/types';

export interface ResolvedModel {
  provider: Provider;
  /** The model as the provider knows it. */
  model: string;
}

export interface ListedModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export class ModelRouter {
  private readonly routes: Map<string, ModelRoute>;

  constructor(
    private readonly providers: ProviderRegistry,
    routes: ModelRoute[],
    private readonly defaultProvider?: string,
  ) {
    this.routes = new Map(routes.map((r) => [r.name, r]));
  }

  resolve(name: string): ResolvedModel {
    const route = this.routes.get(name);
    if (route) return { provider: this.providers.get(route.provider)!, model: route.model };
    const slash = name.indexOf('/');
    const prefixed = slash > 0 ? this.providers.get(name.slice(0, slash)) : undefined;
    if (prefixed && name.length > slash + 1) return { provider: prefixed, model: name.slice(slash + 1) };
    const listing = this.providers.list().filter((p) => p.models.includes(name));
    if (listing.length === 1) return { provider: listing[0]!, model: name };
    if (listing.length > 1) {
      throw new AppError(
        400,
        'ambiguous_model',
        `model: "${name}" is offered by ${listing.map((p) => p.name).join(' and ')}; name it as ${listing.map((p) => `${p.name}/${name}`).join(' or ')}, or route it with MODEL_ROUTES`,
      );
    }
    if (this.defaultProvider) return { provider: this.providers.get(this.defaultProvider)!, model: name };
    const known = this.providers.list().map((p) => p.name).join(', ');
    throw new AppError(
      404,
      'model_not_found',
      `The model '${name}' does not exist. Name it provider/model (configured providers: ${known}), route it with MODEL_ROUTES, or set DEFAULT_PROVIDER; GET /v1/models lists them.`,
    );
  }

  /** Everything a client can ask for: provider/model, bare names only one provider offers, and the routes. */
  list(): ListedModel[] {
    const entry = (id: string, owner: string): ListedModel => ({ id, object: 'model', created: 0, owned_by: owner });
    const offeredBy = new Map<string, string[]>();
    for (const p of this.providers.list()) for (const m of p.models) offeredBy.set(m, [...(offeredBy.get(m) ?? []), p.name]);
    const prefixed = this.providers.list().flatMap((p) => p.models.map((m) => entry(`${p.name}/${m}`, p.name)));
    const bare = [...offeredBy].filter(([name, owners]) => owners.length === 1 && !this.routes.has(name) && !name.includes('/')).map(([name, owners]) => entry(name, owners[0]!));
    const routed = [...this.routes.values()].map((r) => entry(r.name, r.provider));
    return [...prefixed, ...bare, ...routed];
  }
}
