// The OpenAI-compatible gateway (/v1): OpenAI clients pointed here work unchanged and every call is captured.
import { Hono, type Context } from 'hono';
import { limitBody } from '../http/body-limit';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { samplingParamFields } from './api/schemas';
import { serviceContext, type AppDeps } from '../deps';
import { findOrCreateGroup } from '../db/groups-repository';
import type { ProviderRegistry } from '../providers/registry';
import type { ChatMessage, Provider, ProviderError } from '../providers/types';
import type { CallSummary, CaptureContext } from '../services/capture';
import { runGatewayChat, runGatewayEmbedding, type GatewayCallOptions } from '../services/gateway-calls';
import { openGatewayStream } from '../services/gateway-stream';
import { reservedKeyMessage, reservedMetadataKey } from '../services/call-metadata';
import { assertOpenGroup } from '../services/groups';
import { controllerFollowing } from '../services/lifecycle';
import { prepareMessages } from '../services/inference';
import { findDepthProblem, MAX_JSON_DEPTH } from '../services/storable-json';
import { float32Base64 } from '../providers/embedding-wire';
import { ECHO_DIMENSIONS } from '../providers/echo';
import { largestCachedDimension } from '../db/embeddings-repository';
import { checkEmbeddingCost } from '../services/limits';
import { AppError } from '../errors';
import type { PreprocessOptions } from '../services/preprocess';

// Larger than the JSON API's limit: images reach chat models inline, as base64.
export const GATEWAY_MAX_BODY_BYTES = 4 * 1024 * 1024;

const messageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(z.looseObject({})), z.null()]).optional(),
});
// Unknown provider-specific parameters pass through; the common ones are checked as OpenAI checks
// them (null is accepted: some clients send null for "not given").
const samplingParams = Object.fromEntries(
  Object.entries(samplingParamFields).map(([key, schema]) => [key, schema.nullish()]),
) as { [K in keyof typeof samplingParamFields]: z.ZodOptional<z.ZodNullable<(typeof samplingParamFields)[K]>> };
const chatBodySchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  stream: z.boolean().nullish(),
  n: z.int().min(1).max(128).nullish(),
  ...samplingParams,
});
const embeddingBodySchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number()), z.array(z.array(z.number()))]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
});

/** An error answered in the OpenAI shape: `{error: {message, type, param, code}}`. */
export class GatewayError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly type: string,
    readonly code: string | null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function gatewayRoutes(deps: AppDeps) {
  const ctx: CaptureContext = serviceContext(deps);
  const gateway = new Hono();
  const tooLarge = () => {
    throw new GatewayError(413, `Request body is larger than ${GATEWAY_MAX_BODY_BYTES} bytes`, 'invalid_request_error', 'payload_too_large');
  };
  gateway.use(limitBody(GATEWAY_MAX_BODY_BYTES, tooLarge));
  gateway.onError((err, c) => {
    if (err instanceof GatewayError) return c.json(openAIError(err), err.status, err.headers);
    if (err instanceof AppError) {
      const type = err.status === 409 ? 'conflict_error' : err.status === 404 ? 'not_found_error' : 'invalid_request_error';
      return c.json(openAIError(new GatewayError(err.status, deps.redact(err.message), type, err.code)), err.status);
    }
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      return c.json(openAIError(new GatewayError(status, err.message || 'Request failed', 'invalid_request_error', null)), status);
    }
    const requestId = c.get('requestId' as never) as string | undefined;
    deps.logger.error({ event: 'unhandled_error', request_id: requestId, error: deps.redact(String(err?.stack ?? err)) });
    const message = `Internal error; see the server log for request ${requestId ?? ''}`.trim();
    return c.json(openAIError(new GatewayError(500, message, 'server_error', null)), 500);
  });

  gateway.get('/models', (c) => c.json({ object: 'list', data: listModels(deps.providers) }));

  gateway.get('/models/:model{.+}', (c) => {
    const id = c.req.param('model');
    const { provider } = resolveModel(deps.providers, id);
    return c.json({ id, object: 'model', created: 0, owned_by: provider.name });
  });

  gateway.post('/chat/completions', async (c) => {
    const { model: requested, messages: sent, stream, ...params } = await readBody(c, chatBodySchema);
    const { provider, model } = resolveModel(deps.providers, requested);
    const headers = studyHeaders(c);
    // The gateway forwards prompts untouched unless x-study-preprocess asks otherwise.
    const { messages, preprocessing } = headers.preprocess
      ? prepareMessages({ messages: sent as ChatMessage[], preprocess: headers.preprocess })
      : { messages: sent as ChatMessage[], preprocessing: undefined };
    const options = await callOptions(c, deps, headers, preprocessing ? { preprocessing } : {});
    const spec = { ...options, provider, model, messages, params };

    if (!stream) {
      const { summary, result } = await runGatewayChat(ctx, spec);
      if (!result.ok) throw upstreamError(result.error, summary, deps.redact);
      c.header('x-study-call-id', String(summary.id));
      return c.json(deps.scrub(result.value.raw as Record<string, unknown>));
    }
    if (!provider.stream) {
      throw new GatewayError(400, `Provider ${provider.name} cannot stream`, 'invalid_request_error', 'stream_unsupported', 'stream');
    }
    const opened = await openGatewayStream(ctx, spec);
    if (!opened.ok) throw upstreamError(opened.error, opened.summary, deps.redact);
    const requestId = c.get('requestId' as never) as string;
    return streamSSE(
      c,
      async (sse) => {
        sse.onAbort(() => options.abort());
        await opened.relay({
          chunk: (chunk) => sse.write(`data: ${JSON.stringify(deps.scrub(chunk))}\n\n`),
          end: () => sse.write('data: [DONE]\n\n'),
          // The SDKs raise an `error` data event as an APIError, so the client learns the stream broke.
          // Its text is ours, not the provider's or the server's: what broke, and where to look.
          fail: (error, callId) => sse.write(`data: ${JSON.stringify(openAIError(streamFailure(error, callId, requestId)))}\n\n`),
        });
      },
      async (err) => {
        deps.logger.error({ event: 'gateway_stream_error', error: deps.redact(String(err?.stack ?? err)) });
      },
    );
  });

  gateway.post('/embeddings', async (c) => {
    const body = await readBody(c, embeddingBodySchema);
    const { provider, model } = resolveModel(deps.providers, body.model);
    if (!provider.embed) {
      throw new GatewayError(400, `Provider ${provider.name} does not embed`, 'invalid_request_error', 'model_not_supported', 'model');
    }
    const texts = embeddingTexts(body.input);
    checkEmbeddingCost(
      deps.config.limits,
      {
        texts: texts.length,
        dimensions: body.dimensions,
        knownDimension: provider.kind === 'echo' ? ECHO_DIMENSIONS : await largestCachedDimension(deps.database.client, model),
      },
      'input',
    );
    const options = await callOptions(c, deps, studyHeaders(c), {});
    const { summary, result } = await runGatewayEmbedding(ctx, {
      ...options,
      provider: provider as Provider & Required<Pick<Provider, 'embed'>>,
      model,
      texts,
      dimensions: body.dimensions,
      encodingFormat: body.encoding_format,
    });
    if (!result.ok) throw upstreamError(result.error, summary, deps.redact);
    c.header('x-study-call-id', String(summary.id));
    return c.json({
      object: 'list',
      data: result.value.vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: body.encoding_format === 'base64' ? float32Base64(vector) : Array.from(vector),
      })),
      model: result.value.model,
      usage: { prompt_tokens: result.value.tokens.prompt ?? 0, total_tokens: result.value.tokens.total ?? 0 },
    });
  });

  // The app's own 404 speaks our API's error shape; OpenAI clients expect theirs.
  gateway.all('*', (c) => {
    throw new GatewayError(404, `Invalid URL (${c.req.method} ${c.req.path})`, 'invalid_request_error', null);
  });
  return gateway;
}

function openAIError(err: GatewayError) {
  return { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
}

async function readBody<Schema extends z.ZodType>(c: Context, schema: Schema): Promise<z.infer<Schema>> {
  // What a web page can send without asking (a no-cors text/plain or form post) is never taken for JSON.
  if (!/^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(c.req.header('content-type') ?? '')) {
    throw new GatewayError(415, 'Send the request body as JSON, with Content-Type: application/json.', 'invalid_request_error', 'unsupported_media_type');
  }
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw new GatewayError(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', 'invalid_json');
  }
  // Checked before anything else: what cannot be stored is never sent to a provider.
  const tooDeep = findDepthProblem(json);
  if (tooDeep) {
    const param = tooDeep.path.map(String).join('.') || null;
    throw new GatewayError(400, `${param ?? 'body'}: nested deeper than ${MAX_JSON_DEPTH} levels`, 'invalid_request_error', 'too_deeply_nested', param);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const param = issue.path.map(String).join('.') || null;
  throw new GatewayError(400, `${param ?? 'body'}: ${issue.message}`, 'invalid_request_error', 'invalid_value', param);
}

/** `provider/model`, split at the first slash (models such as `meta-llama/Llama-3.3-70B` keep theirs). */
function resolveModel(providers: ProviderRegistry, name: string): { provider: Provider; model: string } {
  const slash = name.indexOf('/');
  const provider = slash > 0 ? providers.get(name.slice(0, slash)) : undefined;
  const model = name.slice(slash + 1);
  if (provider && model) return { provider, model };
  const known = providers.list().map((p) => p.name).join(', ');
  throw new GatewayError(
    404,
    `The model '${name}' does not exist. Gateway models are named provider/model (configured providers: ${known}); GET /v1/models lists them.`,
    'invalid_request_error',
    'model_not_found',
    'model',
  );
}

function listModels(providers: ProviderRegistry) {
  return providers
    .list()
    .flatMap((p) => p.models.map((m) => ({ id: `${p.name}/${m}`, object: 'model', created: 0, owned_by: p.name })));
}

interface StudyHeaders {
  metadata: Record<string, unknown>;
  group?: string;
  preprocess?: PreprocessOptions;
}

/** x-study-metadata (a JSON object), x-study-group (id or name), x-study-preprocess (steps, comma-separated). */
function studyHeaders(c: Context): StudyHeaders {
  const headers: StudyHeaders = { metadata: {} };
  const metadata = c.req.header('x-study-metadata');
  if (metadata !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(metadata);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw invalidHeader('x-study-metadata', 'must be a JSON object');
    }
    if (findDepthProblem(parsed)) throw invalidHeader('x-study-metadata', `nested deeper than ${MAX_JSON_DEPTH} levels`);
    const reserved = reservedMetadataKey(parsed as Record<string, unknown>);
    if (reserved) throw invalidHeader('x-study-metadata', reservedKeyMessage(reserved));
    headers.metadata = parsed as Record<string, unknown>;
  }
  const group = c.req.header('x-study-group')?.trim();
  if (group !== undefined) {
    if (group === '' || group.length > 200) throw invalidHeader('x-study-group', 'must be a group id or a name of 1-200 characters');
    headers.group = group;
  }
  const preprocess = c.req.header('x-study-preprocess');
  if (preprocess?.trim()) headers.preprocess = preprocessSteps(preprocess);
  return headers;
}

function preprocessSteps(header: string): PreprocessOptions {
  const options: PreprocessOptions = {};
  for (const step of header.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, value] = step.split('=').map((s) => s.trim());
    if (name === 'whitespace' && value === undefined) options.whitespace = true;
    else if (name === 'remove_pii' && value === undefined) options.remove_pii = true;
    else if (name === 'max_chars' && value && /^[1-9]\d{0,8}$/.test(value)) options.max_chars = Number(value);
    else throw invalidHeader('x-study-preprocess', `unknown step "${step}" (steps: whitespace, remove_pii, max_chars=N)`);
  }
  return options;
}

const invalidHeader = (header: string, message: string) =>
  new GatewayError(400, `${header}: ${message}`, 'invalid_request_error', 'invalid_header', header);

/** Everything a call needs besides its body. The group is looked up (or created) only when asked for. */
async function callOptions(
  c: Context,
  deps: AppDeps,
  headers: StudyHeaders,
  extra: Record<string, unknown>,
): Promise<GatewayCallOptions & { abort: () => void }> {
  const group = headers.group !== undefined ? await findOrCreateGroup(deps.database.db, headers.group) : undefined;
  if (group) assertOpenGroup(group);
  // The call stops when the client goes away, or when the server stops waiting at shutdown.
  const controller = controllerFollowing(c.req.raw.signal);
  const userAgent = c.req.header('user-agent');
  return {
    metadata: {
      ...headers.metadata,
      source: 'gateway',
      ...(userAgent ? { user_agent: userAgent } : {}),
      ...extra,
      ...(group ? { group_id: group.id } : {}),
    },
    groupId: group?.id,
    controller,
    abort: () => controller.abort(),
  };
}

/**
 * A provider failure after retries, answered as the provider answered it: its HTTP status when it gave
 * one (and its Retry-After), else 502, or 504 for a timeout. The captured call's id goes in a header.
 */
function upstreamError(error: ProviderError, summary: CallSummary | undefined, redact: (text: string) => string): GatewayError {
  const status = error.status !== undefined && error.status >= 400 && error.status <= 599 ? error.status : error.errorClass === 'Timeout' ? 504 : 502;
  const type =
    status === 401 ? 'authentication_error'
    : status === 403 ? 'permission_error'
    : status === 429 ? 'rate_limit_error'
    : status >= 500 ? 'server_error'
    : 'invalid_request_error';
  const headers: Record<string, string> = {};
  if (summary) headers['x-study-call-id'] = String(summary.id);
  if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
  // The SDK prefixes messages with the status; the client's SDK will add it again.
  const message = redact(error.message.replace(/^\d{3}\s+/, ''));
  const code = error.options.code ?? (status >= 500 || error.status === undefined ? snakeCase(error.errorClass) : null);
  return new GatewayError(status as ContentfulStatusCode, message, type, code, null, headers);
}

/** The error event that ends a broken stream: the failure's class, the captured call and the request id. */
function streamFailure(error: ProviderError, callId: number, requestId: string): GatewayError {
  const message = `The answer broke off before it was complete (${error.errorClass}); it is captured as call ${callId}, request ${requestId}.`;
  return new GatewayError(502, message, error.status === 429 ? 'rate_limit_error' : 'server_error', snakeCase(error.errorClass));
}

const snakeCase = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** Token-array inputs are not forwarded: captured prompts are text, and providers differ on tokenizers. */
function embeddingTexts(input: z.infer<typeof embeddingBodySchema>['input']): string[] {
  if (typeof input === 'string') return [input];
  if (input.length === 0) throw new GatewayError(400, 'input: must not be empty', 'invalid_request_error', 'invalid_value', 'input');
  if (input.every((item): item is string => typeof item === 'string')) return input;
  throw new GatewayError(400, 'input: token arrays are not supported by the gateway; send text', 'invalid_request_error', 'invalid_value', 'input');
}
