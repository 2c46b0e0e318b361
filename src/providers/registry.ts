// The provider factory: builds every configured provider once and looks them up by name.
import type { Config, ProviderConfig } from '../config';
import { EchoProvider } from './echo';
import { OpenAICompatibleProvider, type OpenAICompatibleOptions } from './openai-compatible';
import type { Provider } from './types';

export function createProvider(config: ProviderConfig, options: OpenAICompatibleOptions): Provider {
  switch (config.kind) {
    case 'echo':
      return new EchoProvider();
    case 'openai':
    case 'azure':
    case 'openai-compatible':
      return new OpenAICompatibleProvider(config, options);
  }
}

export class ProviderRegistry {
  private readonly byName = new Map<string, Provider>();

  constructor(providers: Provider[]) {
    for (const provider of providers) this.byName.set(provider.name, provider);
  }

  static fromConfig(config: Pick<Config, 'providers' | 'providerTimeoutMs'>, options: { fetch?: typeof fetch } = {}) {
    return new ProviderRegistry(
      config.providers.map((p) => createProvider(p, { timeoutMs: config.providerTimeoutMs, fetch: options.fetch })),
    );
  }

  get(name: string): Provider | undefined {
    return this.byName.get(name);
  }

  list(): Provider[] {
    return [...this.byName.values()];
  }
}
