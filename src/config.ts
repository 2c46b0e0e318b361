// Environment → typed, validated Config. Pure: takes the env object, so Node and Workers share it.
import { z } from 'zod';
import { trustedRange } from './http/client-address';
import { durationMs } from './schemas/study-schedule';

export type ProviderKind = 'openai' | 'azure' | 'openai-compatible' | 'echo';

/** The OpenAI APIs besides chat completions that a server may serve itself. */
export const EXTRA_APIS = ['responses', 'completions'] as const;
export type ExtraApi = (typeof EXTRA_APIS)[number];

export interface ProviderConfig {
  name: string;
  kind: ProviderKind;
  label: string;
  models: string[];
  defaultModel: string;
  baseURL?: string;
  apiKey?: string;
  azure?: { endpoint: string; deployment: string; apiVersion: string };
  /**
   * OPENAI_APIS, LLM_ENDPOINT_<NAME>_APIS: the APIs besides chat the server is said to serve (passed
   * through as sent; the others are translated to chat). Unset: the gateway sends them as its kind
   * usually serves them and, at the first 404 for a missing endpoint, translates from then on.
   */
  apis?: ExtraApi[];
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** What one request may cost, checked before any work; each refusal names its variable. */
export interface Limits {
  /** Texts per embeddings request (API and gateway). */
  embeddingInputs: number;
  /** `dimensions` an embeddings request may ask for. */
  embeddingDimensions: number;
  /** Texts × dimensions per embeddings request: the floats it makes, stores and may return. */
  embeddingFloats: number;
  /** Prompt bytes × samples of one /api/v1/inference request. */
  inferenceBytes: number;
  /** Items × targets × samples of one study (MAX_BATCH_TASKS). */
  studyTasks: number;
  /** Bytes of every task's filled-in prompt of one study together (each task sends and stores its prompt). */
  studyPromptBytes: number;
  /** Rows (lines) of one uploaded study file. */
  uploadRows: number;
  /** STUDY_SCHEDULE_MIN_EVERY: the shortest `schedule.every` a study may ask for, in milliseconds. */
  scheduleMinEveryMs: number;
}

/** Scheduled re-runs of studies (studies/series/): how often due ones are looked for, and where drift is reported. */
export interface Schedules {
  /** STUDY_SCHEDULE_CHECK_MS: how often a Node server looks for due schedules (Workers: the cron in wrangler.toml). */
  checkEveryMs: number;
  /** STUDY_WEBHOOK_URL: receives a JSON summary when a scheduled run drifted from the run before it. */
  webhookUrl?: string;
  webhookTimeoutMs: number;
}

/** Who may reach the server, and how (see http/site-guards.ts). */
export interface Exposure {
  /** Host names the server answers to ('*' for any); localhost names are always allowed. */
  allowedHosts: string[];
  /** Browser origins allowed to call the API and gateway cross-origin (CORS); none by default. */
  corsOrigins: string[];
  /** Failed sign-ins and bearer tokens per client address per minute before 429. */
  authFailuresPerMinute: number;
  /** TRUST_PROXY: proxies (addresses, CIDR ranges) whose X-Forwarded-For names the client; none by default. */
  trustedProxies: string[];
}

/** Node's HTTP server: how long a client may take, and how many connections it may hold. */
export interface ServerTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnectionsPerAddress: number;
}

/** A bare model name (or an alias) the gateway routes to a provider's model. */
export interface ModelRoute {
  name: string;
  provider: string;
  model: string;
}

export interface Config {
  databaseUrl: string;
  databaseAuthToken?: string;
  port: number;
  host: string;
  accessToken?: string;
  providers: ProviderConfig[];
  /** MODEL_ROUTES: bare names and aliases the gateway takes besides provider/model. */
  modelRoutes: ModelRoute[];
  /** DEFAULT_PROVIDER: where a bare model name nothing else claims goes. */
  defaultProvider?: string;
  providerTimeoutMs: number;
  retry: RetryPolicy;
  logPrompts: boolean;
  /** How long a stopping server waits for provider calls in flight before cancelling them. */
  shutdownGraceMs: number;
  limits: Limits;
  exposure: Exposure;
  server: ServerTimeouts;
  schedules: Schedules;
  /** Every configured secret, so logs and error messages can be scrubbed of them. */
  secrets: string[];
}

type Env = Record<string, string | undefined>;

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
const intWithDefault = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export const envSchema = z.object({
  DATABASE_URL: optionalText,
  DATABASE_AUTH_TOKEN: optionalText,
  PORT: intWithDefault(8787, 0, 65535),
  HOST: optionalText,
  STUDY_ACCESS_TOKEN: optionalText,
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: optionalText.pipe(z.url().optional()),
  OPENAI_MODEL: optionalText,
  OPENAI_MODELS: optionalText,
  OPENAI_APIS: optionalText,
  AZURE_OPENAI_API_KEY: optionalText,
  AZURE_OPENAI_ENDPOINT: optionalText.pipe(z.url().optional()),
  AZURE_OPENAI_DEPLOYMENT: optionalText,
  AZURE_OPENAI_API_VERSION: optionalText,
  HYPERBOLIC_API_KEY: optionalText,
  HYPERBOLIC_ENDPOINT: optionalText.pipe(z.url().optional()),
  HYPERBOLIC_MODEL: optionalText,
  HYPERBOLIC_MODELS: optionalText,
  PROVIDER_TIMEOUT_MS: intWithDefault(60_000, 1, 3_600_000),
  RETRY_MAX_ATTEMPTS: intWithDefault(4, 1, 20),
  RETRY_BASE_DELAY_MS: intWithDefault(500, 0, 60_000),
  RETRY_MAX_DELAY_MS: intWithDefault(30_000, 0, 600_000),
  LOG_PROMPTS: optionalText,
  SHUTDOWN_GRACE_MS: intWithDefault(10_000, 0, 600_000),
  MODEL_ROUTES: optionalText,
  DEFAULT_PROVIDER: optionalText,
  MAX_EMBEDDING_INPUTS: intWithDefault(10_000, 1, 1_000_000),
  MAX_EMBEDDING_DIMENSIONS: intWithDefault(8_192, 1, 65_536),
  MAX_EMBEDDING_FLOATS: intWithDefault(4_194_304, 1, 1_000_000_000),
  MAX_INFERENCE_BYTES: intWithDefault(4 * 1024 * 1024, 1, 1_000_000_000),
  MAX_BATCH_TASKS: intWithDefault(1_000_000, 1, 100_000_000),
  MAX_STUDY_PROMPT_BYTES: intWithDefault(1024 ** 3, 1, 1024 ** 4),
  MAX_UPLOAD_ROWS: intWithDefault(100_000, 1, 100_000_000),
  ALLOWED_HOSTS: optionalText,
  CORS_ORIGINS: optionalText,
  AUTH_FAILURES_PER_MINUTE: intWithDefault(10, 1, 100_000),
  TRUST_PROXY: optionalText,
  HEADERS_TIMEOUT_MS: intWithDefault(15_000, 100, 600_000),
  REQUEST_TIMEOUT_MS: intWithDefault(60_000, 100, 3_600_000),
  KEEP_ALIVE_TIMEOUT_MS: intWithDefault(5_000, 100, 600_000),
  MAX_CONNECTIONS_PER_ADDRESS: intWithDefault(256, 1, 100_000),
  STUDY_SCHEDULE_MIN_EVERY: optionalText,
  STUDY_SCHEDULE_CHECK_MS: intWithDefault(30_000, 10, 3_600_000),
  STUDY_WEBHOOK_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  STUDY_WEBHOOK_TIMEOUT_MS: intWithDefault(10_000, 100, 120_000),
});

/** A token anyone could guess in an afternoon protects nothing: refuse to start with one. */
export const MIN_ACCESS_TOKEN_LENGTH = 16;

const ENDPOINT_VAR = /^LLM_ENDPOINT_([A-Z0-9_]+)_BASE_URL$/;
const PROVIDER_NAME = /^[a-z0-9][a-z0-9-]*$/;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  if (e.STUDY_ACCESS_TOKEN !== undefined && e.STUDY_ACCESS_TOKEN.length < MIN_ACCESS_TOKEN_LENGTH) {
    throw new ConfigError(
      `Invalid configuration: STUDY_ACCESS_TOKEN is ${e.STUDY_ACCESS_TOKEN.length} characters; use at least ${MIN_ACCESS_TOKEN_LENGTH} (e.g. \`openssl rand -hex 32\`)`,
    );
  }
  const corsOrigins = list(e.CORS_ORIGINS);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) throw new ConfigError(`Invalid configuration: CORS_ORIGINS: "${origin}" is not an origin like https://app.example`);
  }
  const trustedProxies = list(e.TRUST_PROXY);
  for (const entry of trustedProxies) {
    if (!trustedRange(entry)) throw new ConfigError(`Invalid configuration: TRUST_PROXY: "${entry}" is not an IP address or CIDR range like 10.0.0.0/8`);
  }
  const providers: ProviderConfig[] = [
    {
      name: 'echo',
      kind: 'echo',
      label: 'Echo (offline, deterministic — no model is called)',
      models: ['echo-1'],
      defaultModel: 'echo-1',
    },
  ];

  if (e.OPENAI_API_KEY) {
    const defaultModel = e.OPENAI_MODEL ?? 'gpt-4o-mini';
    providers.push({
      name: 'openai',
      kind: 'openai',
      label: 'OpenAI',
      apiKey: e.OPENAI_API_KEY,
      baseURL: e.OPENAI_BASE_URL,
      defaultModel,
      models: unique([defaultModel, ...list(e.OPENAI_MODELS)]),
      ...servedApis('OPENAI_APIS', e.OPENAI_APIS),
    });
  }
  if (e.AZURE_OPENAI_API_KEY && e.AZURE_OPENAI_ENDPOINT && e.AZURE_OPENAI_DEPLOYMENT) {
    providers.push({
      name: 'azure',
      kind: 'azure',
      label: 'Azure OpenAI',
      apiKey: e.AZURE_OPENAI_API_KEY,
      defaultModel: e.AZURE_OPENAI_DEPLOYMENT,
      models: [e.AZURE_OPENAI_DEPLOYMENT],
      azure: {
        endpoint: e.AZURE_OPENAI_ENDPOINT,
        deployment: e.AZURE_OPENAI_DEPLOYMENT,
        apiVersion: e.AZURE_OPENAI_API_VERSION ?? '2024-10-21',
      },
    });
  }
  if (e.HYPERBOLIC_API_KEY) {
    const defaultModel = e.HYPERBOLIC_MODEL ?? 'meta-llama/Llama-3.3-70B-Instruct';
    providers.push({
      name: 'hyperbolic',
      kind: 'openai-compatible',
      label: 'Hyperbolic',
      apiKey: e.HYPERBOLIC_API_KEY,
      baseURL: e.HYPERBOLIC_ENDPOINT ?? 'https://api.hyperbolic.xyz/v1',
      defaultModel,
      models: unique([defaultModel, ...list(e.HYPERBOLIC_MODELS)]),
    });
  }
  providers.push(...namedEndpoints(env));
  const providerNames = new Set(providers.map((p) => p.name));
  const modelRoutes = parseModelRoutes(e.MODEL_ROUTES, providerNames);
  if (e.DEFAULT_PROVIDER && !providerNames.has(e.DEFAULT_PROVIDER)) {
    throw new ConfigError(`Invalid configuration: DEFAULT_PROVIDER: "${e.DEFAULT_PROVIDER}" is not a configured provider (${[...providerNames].join(', ')})`);
  }

  const secrets = unique(
    // A webhook URL often carries its own token (Slack, Discord): kept out of logs like a key.
    [e.OPENAI_API_KEY, e.AZURE_OPENAI_API_KEY, e.HYPERBOLIC_API_KEY, e.STUDY_ACCESS_TOKEN, e.DATABASE_AUTH_TOKEN, e.STUDY_WEBHOOK_URL]
      .concat(providers.map((p) => p.apiKey))
      .filter((s): s is string => typeof s === 'string' && s.length >= 4),
  );

  return {
    databaseUrl: e.DATABASE_URL ?? 'file:./data/study.db',
    databaseAuthToken: e.DATABASE_AUTH_TOKEN,
    port: e.PORT,
    host: e.HOST ?? '127.0.0.1',
    accessToken: e.STUDY_ACCESS_TOKEN,
    providers,
    modelRoutes,
    defaultProvider: e.DEFAULT_PROVIDER,
    providerTimeoutMs: e.PROVIDER_TIMEOUT_MS,
    retry: { maxAttempts: e.RETRY_MAX_ATTEMPTS, baseDelayMs: e.RETRY_BASE_DELAY_MS, maxDelayMs: e.RETRY_MAX_DELAY_MS },
    logPrompts: e.LOG_PROMPTS === '1' || e.LOG_PROMPTS === 'true',
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    limits: {
      embeddingInputs: e.MAX_EMBEDDING_INPUTS,
      embeddingDimensions: e.MAX_EMBEDDING_DIMENSIONS,
      embeddingFloats: e.MAX_EMBEDDING_FLOATS,
      inferenceBytes: e.MAX_INFERENCE_BYTES,
      studyTasks: e.MAX_BATCH_TASKS,
      studyPromptBytes: e.MAX_STUDY_PROMPT_BYTES,
      uploadRows: e.MAX_UPLOAD_ROWS,
      scheduleMinEveryMs: scheduleMinimum(e.STUDY_SCHEDULE_MIN_EVERY),
    },
    exposure: {
      allowedHosts: list(e.ALLOWED_HOSTS).map((h) => h.toLowerCase()),
      corsOrigins,
      authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
      trustedProxies,
    },
    server: {
      headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
      maxConnectionsPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS,
    },
    schedules: { checkEveryMs: e.STUDY_SCHEDULE_CHECK_MS, webhookUrl: e.STUDY_WEBHOOK_URL, webhookTimeoutMs: e.STUDY_WEBHOOK_TIMEOUT_MS },
    secrets,
  };
}

/** STUDY_SCHEDULE_MIN_EVERY: a duration as `schedule.every` takes it (default 1h). */
function scheduleMinimum(value: string | undefined): number {
  const ms = durationMs(value ?? '1h');
  if (ms === undefined) throw new ConfigError(`Invalid configuration: STUDY_SCHEDULE_MIN_EVERY: "${value}" is not a duration like 30m, 12h or 7d`);
  return ms;
}

/** LLM_ENDPOINT_<NAME>_BASE_URL (+ _API_KEY, _MODELS) adds an OpenAI-compatible provider named <name>. */
function namedEndpoints(env: Env): ProviderConfig[] {
  const endpoints: ProviderConfig[] = [];
  for (const key of Object.keys(env).sort()) {
    const match = ENDPOINT_VAR.exec(key);
    const baseURL = env[key]?.trim();
    if (!match || !baseURL) continue;
    const suffix = match[1]!;
    const name = suffix.toLowerCase().replaceAll('_', '-');
    if (!PROVIDER_NAME.test(name) || ['echo', 'openai', 'azure', 'hyperbolic'].includes(name)) {
      throw new ConfigError(`Invalid configuration: ${key}: endpoint name "${name}" is reserved or invalid`);
    }
    if (!z.url().safeParse(baseURL).success) {
      throw new ConfigError(`Invalid configuration: ${key}: not a URL`);
    }
    const models = list(env[`LLM_ENDPOINT_${suffix}_MODELS`]);
    const apisVariable = `LLM_ENDPOINT_${suffix}_APIS`;
    endpoints.push({
      name,
      kind: 'openai-compatible',
      label: `${name} (OpenAI-compatible endpoint)`,
      baseURL,
      // Local servers such as Ollama accept any key; the SDK insists on a non-empty one.
      apiKey: env[`LLM_ENDPOINT_${suffix}_API_KEY`]?.trim() || undefined,
      models,
      defaultModel: models[0] ?? 'default',
      ...servedApis(apisVariable, env[apisVariable]?.trim() || undefined),
    });
  }
  return endpoints;
}

/**
 * OPENAI_APIS / LLM_ENDPOINT_<NAME>_APIS: the APIs the server serves, comma-separated — `chat`
 * (always needed), and `responses` and `completions` if it serves them too. `chat` alone: a chat-only
 * server (most local servers and proxies), whose Responses and completions requests are translated.
 */
function servedApis(variable: string, value: string | undefined): Pick<ProviderConfig, 'apis'> {
  if (value === undefined) return {};
  const named = list(value).map((name) => name.toLowerCase());
  const known = ['chat', ...EXTRA_APIS] as string[];
  const unknown = named.find((name) => !known.includes(name));
  if (unknown !== undefined) throw new ConfigError(`Invalid configuration: ${variable}: "${unknown}" is not an API (chat, responses, completions)`);
  if (!named.includes('chat')) throw new ConfigError(`Invalid configuration: ${variable}: list chat too (the gateway and the app always need it), e.g. chat or chat,completions`);
  return { apis: EXTRA_APIS.filter((api) => named.includes(api)) };
}

/**
 * MODEL_ROUTES: comma-separated `name=provider` (the model keeps its name: `gpt-4o-mini=openai`) or
 * `alias=provider/model` (`fast=openai/gpt-4o-mini`).
 */
function parseModelRoutes(value: string | undefined, providers: ReadonlySet<string>): ModelRoute[] {
  const routes: ModelRoute[] = [];
  for (const entry of list(value)) {
    const at = entry.indexOf('=');
    const name = entry.slice(0, at).trim();
    const target = entry.slice(at + 1).trim();
    const slash = target.indexOf('/');
    const provider = slash === -1 ? target : target.slice(0, slash);
    const model = slash === -1 ? name : target.slice(slash + 1);
    if (at <= 0 || !provider || !model) throw new ConfigError(`Invalid configuration: MODEL_ROUTES: "${entry}" is not name=provider or alias=provider/model`);
    if (!providers.has(provider)) throw new ConfigError(`Invalid configuration: MODEL_ROUTES: "${entry}" names provider "${provider}", which is not configured`);
    if (routes.some((r) => r.name === name)) throw new ConfigError(`Invalid configuration: MODEL_ROUTES: "${name}" is routed twice`);
    routes.push({ name, provider, model });
  }
  return routes;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
