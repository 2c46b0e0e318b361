import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('defaults to the embedded database, port 8787 and the offline echo provider', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBe('file:./data/study.db');
    expect(config.port).toBe(8787);
    expect(config.providers.map((p) => p.name)).toEqual(['echo']);
  });

  it('adds openai, azure, hyperbolic and named endpoints when configured', () => {
    const config = loadConfig({
      OPENAI_API_KEY: 'sk-openai-1234',
      OPENAI_MODELS: 'gpt-4o, gpt-4o-mini',
      AZURE_OPENAI_API_KEY: 'az-key-1234',
      AZURE_OPENAI_ENDPOINT: 'https://example.openai.azure.com',
      AZURE_OPENAI_DEPLOYMENT: 'gpt4o-prod',
      HYPERBOLIC_API_KEY: 'hb-key-1234',
      LLM_ENDPOINT_LOCAL_OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1',
      LLM_ENDPOINT_LOCAL_OLLAMA_MODELS: 'llama3.2,qwen2.5',
    });
    expect(config.providers.map((p) => p.name)).toEqual(['echo', 'openai', 'azure', 'hyperbolic', 'local-ollama']);
    expect(config.providers.find((p) => p.name === 'openai')?.models).toEqual(['gpt-4o-mini', 'gpt-4o']);
    expect(config.providers.find((p) => p.name === 'azure')?.azure?.apiVersion).toBeTruthy();
    expect(config.providers.find((p) => p.name === 'local-ollama')?.defaultModel).toBe('llama3.2');
    expect(config.secrets).toEqual(expect.arrayContaining(['sk-openai-1234', 'az-key-1234', 'hb-key-1234']));
  });

  it('rejects an invalid value with the variable named', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ LLM_ENDPOINT_X_BASE_URL: 'not a url' })).toThrow(/LLM_ENDPOINT_X_BASE_URL/);
    expect(() => loadConfig({ LLM_ENDPOINT_ECHO_BASE_URL: 'http://127.0.0.1:1/v1' })).toThrow(/reserved/);
  });
});
