import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import type { LogRecord } from '../logging';
import { toProviderError, withOpenAIErrorShapes } from '../providers/provider-errors';
import { ProviderError, type Provider } from '../providers/types';
import { endpointMissing, ServedApis } from './served-apis';

/** What the SDK (through the provider's fetch) makes of a server's answer to POST /v1/responses. */
async function failureOf(status: number, contentType: string, body: string) {
  const answer = async () => new Response(body, { status, headers: { 'content-type': contentType, 'content-length': String(new TextEncoder().encode(body).length) } });
  const client = new OpenAI({ apiKey: 'k', baseURL: 'http://server.test/v1', maxRetries: 0, fetch: withOpenAIErrorShapes(() => answer) });
  const thrown = await client.post('/responses', { body: { model: 'x', input: 'hi' } }).then(() => undefined, (e: unknown) => e);
  if (!thrown) throw new Error('the answer was taken for a success');
  return toProviderError(thrown);
}

const json = 'application/json';
// What each server answers for a route it lacks and for a model it lacks (LiteLLM's unknown model is a 400).
const answers: Array<[string, number, string, unknown, 'endpoint' | 'model' | 'neither', RegExp]> = [
  ['OpenAI, route', 404, json, { error: { message: 'Invalid URL (POST /v1/responses)', type: 'invalid_request_error', param: null, code: null } }, 'endpoint', /^404 Invalid URL/],
  ['OpenAI, model', 404, json, { error: { message: 'The model `gpt-5x` does not exist or you do not have access to it.', type: 'invalid_request_error', param: null, code: 'model_not_found' } }, 'model', /gpt-5x/],
  ['vLLM and LiteLLM (FastAPI), route', 404, json, { detail: 'Not Found' }, 'endpoint', /^404 Not Found$/],
  ['vLLM before 0.10, model', 404, json, { object: 'error', message: 'The model `qwen` does not exist.', type: 'NotFoundError', param: null, code: 404 }, 'model', /^404 The model `qwen` does not exist\.$/],
  ['vLLM, model', 404, json, { error: { message: 'The model `qwen` does not exist.', type: 'NotFoundError', param: 'model', code: 404 } }, 'model', /qwen/],
  ['Ollama (Gin), route', 404, 'text/plain', '404 page not found', 'endpoint', /page not found/],
  ['Ollama, model', 404, json, { error: { message: 'model "llama9" not found, try pulling it first', type: 'not_found_error' } }, 'model', /llama9/],
  ['LM Studio, route (answered 200)', 200, json, { error: 'Unexpected endpoint or method. (POST /v1/responses)' }, 'endpoint', /^404 Unexpected endpoint or method/],
  ['a bare string error, model', 404, json, { error: 'Model "qwen" not found' }, 'model', /qwen/],
  ['LiteLLM, model', 400, json, { error: { message: 'Invalid model name passed in model=qwen', type: 'None', param: 'None', code: '400' } }, 'neither', /Invalid model name/],
  ['llama.cpp, route', 404, json, { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } }, 'endpoint', /File Not Found/],
  ['Azure, deployment', 404, json, { error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist.' } }, 'model', /deployment/],
  ['Express, route', 404, 'text/html', '<pre>Cannot POST /v1/models/x/responses</pre>', 'endpoint', /Cannot POST/],
  ['an empty 404', 404, json, '', 'endpoint', /^404 status code \(no body\)$/],
];

describe('endpointMissing: a missing endpoint told from a missing model', () => {
  it.each(answers)('%s', async (_server, status, contentType, body, verdict, message) => {
    const error = await failureOf(status, contentType, typeof body === 'string' ? body : JSON.stringify(body));
    expect(error.message).toMatch(message);
    expect(endpointMissing(error)).toBe(verdict === 'endpoint');
    if (verdict !== 'neither') expect(error.status).toBe(404);
  });

  it('takes a small 200 for an answer unless it is LM Studio saying the route is unknown', async () => {
    const answer = async () => new Response('{"error":"something else"}', { status: 200, headers: { 'content-type': json, 'content-length': '26' } });
    const client = new OpenAI({ apiKey: 'k', baseURL: 'http://server.test/v1', maxRetries: 0, fetch: withOpenAIErrorShapes(() => answer) });
    expect(await client.post('/responses', { body: {} })).toEqual({ error: 'something else' });
  });

  it('is never a failure without a 404', () => {
    expect(endpointMissing(new ProviderError('Timeout', 'The provider did not answer within the timeout', { retryable: true }))).toBe(false);
    expect(endpointMissing(new ProviderError('InternalServerError', '500 Not Found', { status: 500, retryable: true }))).toBe(false);
  });
});

describe('ServedApis', () => {
  const provider = (name: string, endpoints: Array<'responses' | 'completions'>) =>
    ({ name, passthrough: { endpoints: new Set(endpoints) } }) as unknown as Provider;
  const setup = (env: Record<string, string>) => {
    const logs: LogRecord[] = [];
    const logger = { logPrompts: false, info: (r: LogRecord) => logs.push(r), error: (r: LogRecord) => logs.push(r) };
    return { apis: new ServedApis(loadConfig(env), logger), logs };
  };

  it('probes what a provider may serve, passes through what it is said to serve, translates the rest', () => {
    const { apis } = setup({ OPENAI_API_KEY: 'sk-1234', LLM_ENDPOINT_VLLM_BASE_URL: 'http://127.0.0.1:1/v1', LLM_ENDPOINT_VLLM_APIS: 'chat,responses' });
    expect(apis.route(provider('openai', ['responses', 'completions']), 'responses')).toBe('probe');
    expect(apis.route(provider('vllm', ['responses']), 'responses')).toBe('passthrough');
    expect(apis.route(provider('vllm', ['responses']), 'completions')).toBe('translate');
    expect(apis.route({ name: 'echo' } as Provider, 'completions')).toBe('translate');
  });

  it('remembers per provider and endpoint; a missing endpoint for good, logged once', () => {
    const { apis, logs } = setup({ OPENAI_API_KEY: 'sk-1234', LLM_ENDPOINT_LOCAL_BASE_URL: 'http://127.0.0.1:1/v1' });
    const openai = provider('openai', ['responses', 'completions']);
    const local = provider('local', ['completions']);
    const notFound = new ProviderError('NotFoundError', '404 Not Found', { status: 404, retryable: false });
    apis.learn(openai, 'responses', 'missing', notFound);
    apis.learn(openai, 'responses', 'missing', notFound);
    apis.learn(openai, 'responses', 'served');
    apis.learn(local, 'completions', 'served');
    expect(apis.route(openai, 'responses')).toBe('translate_after_404');
    expect(apis.route(openai, 'completions')).toBe('probe');
    expect(apis.route(local, 'completions')).toBe('passthrough');
    expect(logs).toMatchObject([{ event: 'gateway_endpoint_missing', provider: 'openai', endpoint: '/responses', said: '404 Not Found' }]);
  });
});
