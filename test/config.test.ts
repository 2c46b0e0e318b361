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

  it('reads what an OpenAI-style server serves from OPENAI_APIS and LLM_ENDPOINT_<NAME>_APIS, unset when not said', () => {
    const config = loadConfig({
      OPENAI_API_KEY: 'sk-openai-1234',
      OPENAI_APIS: ' Chat ',
      LLM_ENDPOINT_VLLM_BASE_URL: 'http://127.0.0.1:8000/v1',
      LLM_ENDPOINT_VLLM_APIS: 'completions,chat,responses',
      LLM_ENDPOINT_OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1',
    });
    const apis = Object.fromEntries(config.providers.map((p) => [p.name, p.apis]));
    expect(apis).toEqual({ echo: undefined, openai: [], vllm: ['responses', 'completions'], ollama: undefined });
    expect(loadConfig({ OPENAI_API_KEY: 'sk-openai-1234', OPENAI_APIS: '' }).providers[1]!.apis).toBeUndefined();
  });

  it('refuses an APIS setting that names an unknown API or leaves out chat, naming the variable', () => {
    expect(() => loadConfig({ OPENAI_API_KEY: 'sk-openai-1234', OPENAI_APIS: 'chat,embeddings' })).toThrow(/OPENAI_APIS: "embeddings" is not an API/);
    expect(() => loadConfig({ OPENAI_API_KEY: 'sk-openai-1234', OPENAI_APIS: 'responses' })).toThrow(/OPENAI_APIS: list chat too/);
    expect(() => loadConfig({ LLM_ENDPOINT_X_BASE_URL: 'http://127.0.0.1:1/v1', LLM_ENDPOINT_X_APIS: 'chats' })).toThrow(/LLM_ENDPOINT_X_APIS: "chats"/);
  });
});

describe('schedule settings', () => {
  it('reads the shortest schedule period, the check interval and the webhook, keeping the webhook URL out of logs', () => {
    const config = loadConfig({ STUDY_SCHEDULE_MIN_EVERY: '5m', STUDY_SCHEDULE_CHECK_MS: '1000', STUDY_WEBHOOK_URL: 'https://hooks.example/T000/secret-path' });
    expect(config.limits.scheduleMinEveryMs).toBe(300_000);
    expect(config.schedules).toEqual({ checkEveryMs: 1000, webhookUrl: 'https://hooks.example/T000/secret-path', webhookTimeoutMs: 10_000 });
    expect(config.secrets).toContain('https://hooks.example/T000/secret-path');
    expect(loadConfig({}).limits.scheduleMinEveryMs).toBe(3_600_000);
  });

  it('refuses a period that is not one, and a webhook that is not http(s), naming the variable', () => {
    expect(() => loadConfig({ STUDY_SCHEDULE_MIN_EVERY: '10s' })).toThrow(/STUDY_SCHEDULE_MIN_EVERY: "10s" is not a duration/);
    expect(() => loadConfig({ STUDY_WEBHOOK_URL: 'ftp://hooks.example/x' })).toThrow(/STUDY_WEBHOOK_URL/);
  });
});
