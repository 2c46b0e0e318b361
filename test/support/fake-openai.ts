/**
 * A local OpenAI-compatible HTTP server for tests and benchmarks.
 *
 * Built only on `node:http`. Speaks the OpenAI wire format for
 * `POST /v1/chat/completions` (plain and SSE streaming), `POST /v1/embeddings`
 * (float and base64 encodings), `GET /v1/models`, and the Azure-style
 * `/openai/deployments/<deployment>/...?api-version=...` paths that the SDK's
 * `AzureOpenAI` client builds. Faults (error statuses, hangs, malformed JSON,
 * cut streams, connection resets) can be queued or decided per request.
 * Started with `chatOnly` (or after `setChatOnly`), it serves chat completions
 * only and answers `/v1/responses` and `/v1/completions` as that kind of real
 * server answers a route it does not have (see ChatOnlyServer).
 *
 * Answers are deterministic:
 *  - chat content is `reply to: <content of the last user message>`;
 *  - prompt_tokens = whitespace-separated words across all message contents,
 *    completion_tokens = words in the reply;
 *  - embedding vectors are unit-length, non-zero in every component, and
 *    derived only from the input text (so the same text always gives the same
 *    vector). Values are float32-exact, so `encoding_format: 'float'` and the
 *    SDK's default base64 path decode to identical numbers.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { handleCompletions, handleResponses } from './fake-openai-more';

export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'timeout' }
  | { kind: 'malformed-json' }
  /** a stream (chat or Responses) that drops the connection after that many chunks or events */
  | { kind: 'cut-stream'; afterChunks: number }
  | { kind: 'reset' }
  /** a stream that ends cleanly after its content, with no finish_reason and no [DONE] */
  | { kind: 'stream-without-finish' }
  /** 200 text/event-stream with no events at all */
  | { kind: 'empty-stream' }
  /** a plain JSON chat completion where a stream was asked for */
  | { kind: 'json-instead-of-stream' }
  /** embeddings answered as float arrays even when base64 was asked for (older TEI, sglang, infinity), optionally of another dimension */
  | { kind: 'floats-despite-base64'; dimensions?: number }
  /** a success whose body carries a field nested `depth` levels deep */
  | { kind: 'deeply-nested-success'; depth: number }
  /** a 200 event stream whose only event is an error, as providers report errors mid-stream */
  | { kind: 'stream-error-event'; type: string; code: string | null; message?: string };

/**
 * How a chat-only server answers a route it does not have:
 *  - `vllm`: 404 `{"detail":"Not Found"}`, FastAPI's default (vLLM, LiteLLM, SGLang);
 *  - `ollama`: 404 `404 page not found` as text/plain, Gin's default (Ollama);
 *  - `lmstudio`: 200 `{"error":"Unexpected endpoint or method. (POST /v1/responses)"}` (LM Studio);
 *  - `openai`: 404 `{"error":{"message":"Invalid URL (POST /v1/responses)",…}}`, OpenAI's own shape.
 */
export type ChatOnlyServer = 'vllm' | 'ollama' | 'lmstudio' | 'openai';

export interface RecordedRequest {
  method: string;
  /** request target as received, query string included (e.g. `/openai/deployments/d/chat/completions?api-version=…`) */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** parsed JSON body; the raw string if it was not valid JSON; undefined if empty */
  body: any;
  receivedAt: number;
}

export interface FakeOpenAI {
  /** `http://127.0.0.1:<port>/v1`: the baseURL to hand to `new OpenAI(...)` */
  url: string;
  /** `http://127.0.0.1:<port>`: the `endpoint` to hand to `new AzureOpenAI(...)` */
  azureEndpoint: string;
  port: number;
  /** every request received, in order (stays empty when started with `recordBodies: false`) */
  requests: RecordedRequest[];
  /** number of requests received since start / last reset(), counted even when not recorded */
  readonly requestCount: number;
  /** queue faults: the next N POST requests to a known endpoint get these faults in order, then normal answers resume */
  failNext(...faults: Fault[]): void;
  /** a function deciding a fault per POST request (undefined = normal answer); queued faults are consumed first */
  setFaultPolicy(policy: ((req: RecordedRequest) => Fault | undefined) | undefined): void;
  /** delay before answering every request (non-stream: before the body; stream: before the headers and first chunk) */
  setLatency(ms: number): void;
  /** delay between SSE chunks */
  setStreamChunkDelay(ms: number): void;
  /** embeddings requests with more than n inputs get a 400 OpenAI error (undefined / Infinity = no limit) */
  setMaxEmbeddingInputs(n: number | undefined): void;
  /** serve chat only from now on, answering /v1/responses and /v1/completions as `server` does (undefined: serve them again) */
  setChatOnly(server: ChatOnlyServer | undefined): void;
  /** a function choosing the reply text of a (non-streamed) chat request; undefined keeps `reply to: …` */
  setReplyPolicy(policy: ((req: { body: any; index: number }) => string | undefined) | undefined): void;
  /**
   * answers each item (its last user message) right with its own probability, seeded: see
   * passProbabilityReplies. A reply policy: reset() or setReplyPolicy(undefined) ends it.
   */
  setPassProbabilityPolicy(options: PassProbabilityOptions): void;
  /**
   * what the answers say served them from now on: `model` replaces the answer's `model` (chat, Responses,
   * completions; plain and streamed), `systemFingerprint` its `system_fingerprint` (chat and completions;
   * `fp_fake` by default); a function decides by the model asked for. undefined: the model asked for and `fp_fake` again.
   */
  setServed(served: ServedIdentity | ((model: string) => ServedIdentity | undefined) | undefined): void;
  /** clears requests, request count, queued faults and policies; restores latency, chunk delay, embedding limit, chatOnly and the served identity to their start values */
  reset(): void;
  /** closes the server, destroying any open sockets (hanging `timeout` requests included) */
  close(): Promise<void>;
}

export interface ServedIdentity {
  model?: string;
  systemFingerprint?: string;
}

export interface PassProbabilityOptions {
  /** Any integer; the same seed and requests give the same answers. */
  seed: number;
  /** The chance that an answer to this prompt is right; undefined leaves the prompt to the default reply. */
  passProbability: (prompt: string) => number | undefined;
  /** The right and the wrong answer to a prompt. */
  right: (prompt: string) => string;
  wrong: (prompt: string) => string;
}

/**
 * A reply policy answering a prompt right with its set probability: the n-th request carrying a
 * prompt draws from a generator seeded by (seed, prompt, n), so a study's answers per item are the
 * same whatever order its tasks run in — each sample an independent draw.
 */
export function passProbabilityReplies(options: PassProbabilityOptions): (req: { body: any }) => string | undefined {
  const seen = new Map<string, number>();
  return ({ body }) => {
    const messages = Array.isArray(body?.messages) ? (body.messages as Array<{ role: string; content: unknown }>) : [];
    const prompt = messages.filter((m) => m.role === 'user').at(-1)?.content;
    if (typeof prompt !== 'string') return undefined;
    const probability = options.passProbability(prompt);
    if (probability === undefined) return undefined;
    const n = seen.get(prompt) ?? 0;
    seen.set(prompt, n + 1);
    return uniformDraw(`${options.seed}:${prompt}:${n}`) < probability ? options.right(prompt) : options.wrong(prompt);
  };
}

/** A uniform draw in [0, 1) from a key: FNV-1a of the key seeds one step of mulberry32. */
function uniformDraw(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  let t = (hash + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export interface StartFakeOpenAIOptions {
  /** initial latency, also what reset() restores (default 0) */
  latencyMs?: number;
  /** store every request in `requests` (default true); false only counts them, for benchmarks */
  recordBodies?: boolean;
  /** serve chat completions only, answering /v1/responses and /v1/completions as this server does (also what reset() restores) */
  chatOnly?: ChatOnlyServer;
}

type Endpoint = 'chat' | 'embeddings' | 'models' | 'responses' | 'completions';

interface Route {
  endpoint: Endpoint | null;
  /** deployment name from an Azure path, if any */
  deployment: string | undefined;
}

const DEFAULT_EMBEDDING_DIMENSIONS = 8;

export async function startFakeOpenAI(options: StartFakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const initialLatency = options.latencyMs ?? 0;
  const recordBodies = options.recordBodies ?? true;

  const requests: RecordedRequest[] = [];
  let requestCount = 0;
  let queued: Fault[] = [];
  let policy: ((req: RecordedRequest) => Fault | undefined) | undefined;
  let latencyMs = initialLatency;
  let chunkDelayMs = 0;
  let maxEmbeddingInputs = Infinity;
  let replyPolicy: ((req: { body: any; index: number }) => string | undefined) | undefined;
  let chatOnly = options.chatOnly;
  let servedPolicy: (model: string) => ServedIdentity | undefined = () => undefined;
  const servedFor = (body: any): ServedIdentity => servedPolicy(modelOf(body)) ?? {};
  let chatCount = 0;
  let idCounter = 0;
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const nextId = (): string => (++idCounter).toString(36).padStart(8, '0');

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, raw: string): void => {
    requestCount++;
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';

    let body: any ;
    let badJson = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
        badJson = true;
      }
    }

    let record: RecordedRequest | undefined;
    if (recordBodies || policy) {
      record = { method, path: target, headers: req.headers, body, receivedAt: Date.now() };
      if (recordBodies) requests.push(record);
    }

    const route = parseRoute(target);

    if (method === 'GET' && route.endpoint === 'models') {
      respond(res, latencyMs, () => sendJson(res, 200, modelsList()));
      return;
    }

    // A chat-only server has no such routes: no fault applies to what it never routes.
    if (chatOnly && method === 'POST' && (route.endpoint === 'responses' || route.endpoint === 'completions')) {
      const server = chatOnly;
      respond(res, latencyMs, () => sendMissingRoute(res, server, `${method} ${stripQuery(target)}`));
      return;
    }

    const isPostEndpoint = method === 'POST' && (route.endpoint === 'chat' || route.endpoint === 'embeddings' || route.endpoint === 'responses' || route.endpoint === 'completions');
    if (!isPostEndpoint) {
      respond(res, latencyMs, () =>
        sendJson(res, 404, errorBody(`Invalid URL (${method} ${stripQuery(target)})`, 'invalid_request_error', null)),
      );
      return;
    }

    // Faults: queued first, then the policy.
    let fault: Fault | undefined = queued.length > 0 ? queued.shift() : undefined;
    if (fault === undefined && policy && record) fault = policy(record);

    const wantsStream = route.endpoint === 'chat' && body !== null && typeof body === 'object' && body.stream === true;

    if (fault?.kind === 'cut-stream' && route.endpoint === 'responses' && body?.stream === true) {
      handleResponses(res, body, nextId(), sendJson, (fn) => respond(res, latencyMs, fn), fault.afterChunks, servedFor(body));
      return;
    }
    if (fault) {
      applyFault(fault, req, res, wantsStream ? body : undefined, route.deployment, body);
      return;
    }

    if (badJson || body === null || typeof body !== 'object' || Array.isArray(body)) {
      respond(res, latencyMs, () =>
        sendJson(
          res,
          400,
          errorBody(
            'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)',
            'invalid_request_error',
            null,
          ),
        ),
      );
      return;
    }

    if (route.endpoint === 'responses') {
      handleResponses(res, body, nextId(), sendJson, (fn) => respond(res, latencyMs, fn), undefined, servedFor(body));
    } else if (route.endpoint === 'completions') {
      handleCompletions(res, body, nextId(), sendJson, (fn) => respond(res, latencyMs, fn), servedFor(body));
    } else if (route.endpoint === 'chat') {
      handleChat(res, body, route.deployment, wantsStream);
    } else {
      handleEmbeddings(res, body, route.deployment);
    }
  };

  /** streamBody: the parsed body when the request asked for stream:true, else undefined */
  const applyFault = (
    fault: Fault,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    streamBody: any,
    deployment: string | undefined,
    requestBody: any,
  ): void => {
    switch (fault.kind) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'timeout':
        // Accept and never answer. The socket is destroyed by the client (abort/timeout) or by close().
        return;
      case 'status':
        respond(res, latencyMs, () => {
          const payload =
            fault.body === undefined ? defaultErrorFor(fault.status) : fault.body;
          const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
          res.writeHead(fault.status, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
            'x-request-id': `req_fake${nextId()}`,
            ...fault.headers,
          });
          res.end(text);
        });
        return;
      case 'malformed-json':
        respond(res, latencyMs, () => {
          const text = '{"id": "x", "choices": [';
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
          });
          res.end(text);
        });
        return;
      case 'stream-without-finish':
      case 'empty-stream':
        respond(res, latencyMs, () => {
          res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
          if (fault.kind === 'empty-stream') return res.end();
          const chunk = (delta: Record<string, unknown>) =>
            `data: ${JSON.stringify({ id: 'chatcmpl-nofinish', object: 'chat.completion.chunk', created: 0, model: modelOf(requestBody), choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] })}\n\n`;
          res.end(chunk({ role: 'assistant', content: '' }) + chunk({ content: 'half an ' }) + chunk({ content: 'answer' }));
        });
        return;
      case 'stream-error-event':
        respond(res, latencyMs, () => {
          res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
          res.end(`data: ${JSON.stringify({ error: { message: fault.message ?? 'Rate limit reached (fake, in stream).', type: fault.type, code: fault.code, param: null } })}\n\n`);
        });
        return;
      case 'json-instead-of-stream':
      case 'deeply-nested-success':
        respond(res, latencyMs, () => {
          let nested: unknown = 'bottom';
          for (let i = 0; fault.kind === 'deeply-nested-success' && i < fault.depth; i++) nested = { n: nested };
          sendJson(res, 200, {
            id: `chatcmpl-fake${nextId()}`,
            object: 'chat.completion',
            created: 0,
            model: modelOf(requestBody ?? {}),
            choices: [{ index: 0, message: { role: 'assistant', content: 'a plain answer' }, logprobs: null, finish_reason: 'stop' }],
            usage: usage(2, 3),
            ...(fault.kind === 'deeply-nested-success' ? { provider_extras: nested } : {}),
          });
        });
        return;
      case 'floats-despite-base64':
        handleEmbeddings(res, { ...requestBody, encoding_format: 'float', ...(fault.dimensions ? { dimensions: fault.dimensions } : {}) }, deployment);
        return;
      case 'cut-stream': {
        if (streamBody !== undefined) {
          // same path as a normal stream, so chunk timing is identical; it just stops early
          streamChat(res, streamBody, deployment, Math.max(0, fault.afterChunks));
          return;
        }
        // Non-stream request: send the headers and part of a body, then drop the connection.
        respond(res, latencyMs, () => {
          const text = JSON.stringify({ id: 'chatcmpl-cut', object: 'chat.completion', choices: [] });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          res.write(text.slice(0, Math.floor(text.length / 2)), () => res.socket?.destroy());
        });
        return;
      }
    }
  };

  const handleChat = (res: http.ServerResponse, body: any, deployment: string | undefined, stream: boolean): void => {
    if (!Array.isArray(body.messages)) {
      respond(res, latencyMs, () =>
        sendJson(res, 400, errorBody("Missing required parameter: 'messages'.", 'invalid_request_error', 'missing_required_parameter', 'messages')),
      );
      return;
    }
    if (stream) {
      streamChat(res, body, deployment, undefined);
      return;
    }
    const index = chatCount++;
    const served = servedFor(body);
    respond(res, latencyMs, () => {
      const fallback = chatReply(body.messages);
      const reply = replyPolicy?.({ body, index }) ?? fallback.reply;
      const promptTokens = fallback.promptTokens;
      const completionTokens = countWords(reply);
      sendJson(res, 200, {
        id: `chatcmpl-fake${nextId()}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: served.model ?? deployment ?? modelOf(body),
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: reply, refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: usage(promptTokens, completionTokens),
        service_tier: 'default',
        system_fingerprint: served.systemFingerprint ?? 'fp_fake',
      });
    });
  };

  /** Streams a chat completion. cutAfter: destroy the socket after that many data chunks instead of finishing. */
  const streamChat = (
    res: http.ServerResponse,
    body: any,
    deployment: string | undefined,
    cutAfter: number | undefined,
  ): void => {
    const messages = Array.isArray(body?.messages) ? body.messages : [];
    const { reply, promptTokens } = chatReply(messages);
    const pieces = splitWords(reply);
    const includeUsage = body?.stream_options?.include_usage === true;
    const id = `chatcmpl-fake${nextId()}`;
    const created = Math.floor(Date.now() / 1000);
    const served = servedFor(body);
    const model = served.model ?? deployment ?? modelOf(body);
    const fingerprint = served.systemFingerprint ?? 'fp_fake';

    const chunk = (delta: Record<string, unknown>, finish: string | null): string => {
      const c: Record<string, unknown> = {
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        service_tier: 'default',
        system_fingerprint: fingerprint,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      };
      if (includeUsage) c.usage = null;
      return `data: ${JSON.stringify(c)}\n\n`;
    };

    const frames: string[] = [chunk({ role: 'assistant', content: '', refusal: null }, null)];
    for (const p of pieces) frames.push(chunk({ content: p }, null));
    frames.push(chunk({}, 'stop'));
    if (includeUsage) {
      frames.push(
        `data: ${JSON.stringify({
          id,
          object: 'chat.completion.chunk',
          created,
          model,
          service_tier: 'default',
          system_fingerprint: fingerprint,
          choices: [],
          usage: usage(promptTokens, pieces.length),
        })}\n\n`,
      );
    }
    frames.push('data: [DONE]\n\n');

    // Without a cut, all frames are sent. With a cut, at most cutAfter data chunks (never [DONE]).
    const limit = cutAfter === undefined ? frames.length : Math.min(cutAfter, frames.length - 1);
    const cut = cutAfter !== undefined;

    const start = (): void => {
      if (res.destroyed) return;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-request-id': `req_fake${nextId()}`,
      });
      let i = 0;
      // Writes frame i; the last one ends the response, or (cut) destroys the socket once it reached the kernel.
      const writeFrame = (): void => {
        const frame = frames[i++]!;
        if (i < limit) res.write(frame);
        else if (cut) res.write(frame, () => res.socket?.destroy());
        else res.end(frame);
      };
      if (limit === 0) {
        // cut before any chunk: headers only, then drop the connection
        res.flushHeaders();
        setImmediate(() => res.socket?.destroy());
        return;
      }
      if (chunkDelayMs <= 0) {
        while (i < limit) writeFrame();
        return;
      }
      const step = (): void => {
        if (res.destroyed) return;
        writeFrame();
        if (i < limit) later(chunkDelayMs, step);
      };
      step();
    };
    respond(res, latencyMs, start);
  };

  const handleEmbeddings = (res: http.ServerResponse, body: any, deployment: string | undefined): void => {
    const inputs = embeddingInputs(body.input);
    if (inputs === null) {
      respond(res, latencyMs, () =>
        sendJson(res, 400, errorBody("'input' must be a non-empty string or array of strings.", 'invalid_request_error', null, 'input')),
      );
      return;
    }
    if (inputs.length > maxEmbeddingInputs) {
      respond(res, latencyMs, () =>
        sendJson(
          res,
          400,
          errorBody(
            `Too many inputs. The max number of inputs is ${maxEmbeddingInputs}. We recommend sending fewer inputs per request.`,
            'invalid_request_error',
            null,
          ),
        ),
      );
      return;
    }
    const dims = body.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
    if (!Number.isInteger(dims) || dims < 1) {
      respond(res, latencyMs, () =>
        sendJson(res, 400, errorBody(`Invalid 'dimensions': ${JSON.stringify(body.dimensions)}.`, 'invalid_request_error', null, 'dimensions')),
      );
      return;
    }
    const base64 = body.encoding_format === 'base64';
    respond(res, latencyMs, () => {
      let tokens = 0;
      const data = inputs.map((text, index) => {
        tokens += countWords(text);
        const vec = embeddingVector(text, dims);
        return {
          object: 'embedding',
          index,
          embedding: base64 ? float32ToBase64(vec) : Array.from(vec),
        };
      });
      sendJson(res, 200, {
        object: 'list',
        data,
        model: deployment ?? modelOf(body),
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
    });
  };

  const respond = (res: http.ServerResponse, delay: number, fn: () => void): void => {
    if (delay > 0) {
      later(delay, () => {
        if (!res.destroyed) fn();
      });
    } else {
      fn();
    }
  };

  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const raw = parts.length === 0 ? '' : parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts).toString('utf8');
      try {
        handle(req, res, raw);
      } catch (err) {
        if (!res.headersSent && !res.destroyed) {
          sendJson(res, 500, errorBody(`fake-openai internal error: ${String(err)}`, 'server_error', null));
        } else {
          res.destroy();
        }
      }
    });
  });

  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // A client that disappears mid-request must not crash the test process.
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;

  const fake: FakeOpenAI = {
    url: `http://127.0.0.1:${port}/v1`,
    azureEndpoint: `http://127.0.0.1:${port}`,
    port,
    requests,
    get requestCount() {
      return requestCount;
    },
    failNext(...faults: Fault[]) {
      queued.push(...faults);
    },
    setFaultPolicy(p) {
      policy = p;
    },
    setLatency(ms: number) {
      latencyMs = Math.max(0, ms);
    },
    setStreamChunkDelay(ms: number) {
      chunkDelayMs = Math.max(0, ms);
    },
    setMaxEmbeddingInputs(n: number | undefined) {
      maxEmbeddingInputs = n === undefined ? Infinity : n;
    },
    setReplyPolicy(p) {
      replyPolicy = p;
    },
    setChatOnly(server) {
      chatOnly = server;
    },
    setServed(identity) {
      servedPolicy = typeof identity === 'function' ? identity : () => identity;
    },
    setPassProbabilityPolicy(options) {
      replyPolicy = passProbabilityReplies(options);
    },
    reset() {
      requests.length = 0;
      requestCount = 0;
      queued = [];
      policy = undefined;
      replyPolicy = undefined;
      chatCount = 0;
      latencyMs = initialLatency;
      chunkDelayMs = 0;
      maxEmbeddingInputs = Infinity;
      chatOnly = options.chatOnly;
      servedPolicy = () => undefined;
    },
    close() {
      if (closing) return closing;
      closing = new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
  return fake;
}

// ---------------------------------------------------------------------------
// helpers

const AZURE_DEPLOYMENT = /^\/openai\/deployments\/([^/]+)(\/.*)$/;

function stripQuery(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

function parseRoute(target: string): Route {
  let path = stripQuery(target);
  let deployment: string | undefined;
  if (path.startsWith('/v1/')) {
    path = path.slice(3);
  } else if (path.startsWith('/openai/')) {
    const m = AZURE_DEPLOYMENT.exec(path);
    if (m) {
      deployment = safeDecode(m[1]!);
      path = m[2]!;
    } else {
      path = path.slice(7); // '/openai/models', '/openai/v1/...' style
      if (path.startsWith('/v1/')) path = path.slice(3);
    }
  } else {
    return { endpoint: null, deployment };
  }
  if (path.endsWith('/') && path.length > 1) path = path.slice(0, -1);
  const endpoint: Endpoint | null =
    path === '/chat/completions' ? 'chat'
    : path === '/embeddings' ? 'embeddings'
    : path === '/models' ? 'models'
    : path === '/responses' ? 'responses'
    : path === '/completions' ? 'completions'
    : null;
  return { endpoint, deployment };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** A route the server does not have, answered as `server` answers one (see ChatOnlyServer). */
function sendMissingRoute(res: http.ServerResponse, server: ChatOnlyServer, request: string): void {
  if (server === 'vllm') sendJson(res, 404, { detail: 'Not Found' });
  else if (server === 'lmstudio') sendJson(res, 200, { error: `Unexpected endpoint or method. (${request})` });
  else if (server === 'openai') sendJson(res, 404, errorBody(`Invalid URL (${request})`, 'invalid_request_error', null));
  else {
    const text = '404 page not found';
    res.writeHead(404, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

function errorBody(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, code, param } };
}

function defaultErrorFor(status: number) {
  switch (status) {
    case 400:
      return errorBody('Bad request (fake fault).', 'invalid_request_error', null);
    case 401:
      return errorBody('Incorrect API key provided: sk-test. (fake fault)', 'invalid_request_error', 'invalid_api_key');
    case 403:
      return errorBody('You are not allowed to perform this request. (fake fault)', 'invalid_request_error', 'permission_denied');
    case 404:
      return errorBody('The model does not exist or you do not have access to it. (fake fault)', 'invalid_request_error', 'model_not_found');
    case 408:
      return errorBody('Request timed out. (fake fault)', 'timeout', null);
    case 409:
      return errorBody('Conflict. (fake fault)', 'invalid_request_error', null);
    case 422:
      return errorBody('Unprocessable entity. (fake fault)', 'invalid_request_error', null);
    case 429:
      return errorBody('Rate limit reached for requests. (fake fault)', 'requests', 'rate_limit_exceeded');
    case 500:
      return errorBody('The server had an error while processing your request. (fake fault)', 'server_error', null);
    case 502:
      return errorBody('Bad gateway. (fake fault)', 'server_error', null);
    case 503:
      return errorBody('The engine is currently overloaded, please try again later. (fake fault)', 'server_error', null);
    case 504:
      return errorBody('Gateway timeout. (fake fault)', 'server_error', null);
    default:
      return errorBody(`HTTP ${status} (fake fault).`, status >= 500 ? 'server_error' : 'invalid_request_error', null);
  }
}

function modelsList() {
  return {
    object: 'list',
    data: [{ id: 'fake-model', object: 'model', created: 1_700_000_000, owned_by: 'fake' }],
  };
}

function modelOf(body: any): string {
  return typeof body?.model === 'string' ? body.model : 'fake-model';
}

function usage(prompt: number, completion: number) {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** Text of a message's content: a string, or an array of content parts (text parts joined by a space). */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    let out = '';
    for (const part of content) {
      const text = typeof part === 'string' ? part : part && typeof part.text === 'string' ? part.text : undefined;
      if (text !== undefined) out = out.length === 0 ? text : `${out} ${text}`;
    }
    return out;
  }
  return '';
}

function chatReply(messages: any[]): { reply: string; promptTokens: number } {
  let promptTokens = 0;
  let lastUser = '';
  for (const m of messages) {
    const text = contentText(m?.content);
    promptTokens += countWords(text);
    if (m?.role === 'user') lastUser = text;
  }
  return { reply: `reply to: ${lastUser}`, promptTokens };
}

function isSpace(c: number): boolean {
  // ASCII whitespace plus NBSP and the common Unicode spaces handled by \s.
  return c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 0x2028 || c === 0x2029 || c === 0xfeff || (c >= 0x2000 && c <= 0x200a) || c === 0x1680 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0x85;
}

function countWords(s: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const sp = isSpace(s.charCodeAt(i));
    if (!sp && !inWord) n++;
    inWord = !sp;
  }
  return n;
}

/** Words with their trailing whitespace, so the pieces concatenate back to the exact text. */
function splitWords(s: string): string[] {
  return s.match(/\S+\s*/g) ?? [];
}

/** Normalises embeddings `input` into a list of texts; null if invalid. Token arrays become a space-joined string. */
function embeddingInputs(input: unknown): string[] | null {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return null;
  if (input.every((x) => typeof x === 'number')) return [input.join(' ')];
  const out: string[] = [];
  for (const x of input) {
    if (typeof x === 'string') out.push(x);
    else if (Array.isArray(x) && x.every((y) => typeof y === 'number')) out.push(x.join(' '));
    else return null;
  }
  return out;
}

/** FNV-1a 32-bit. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Deterministic unit vector, float32-exact, no zero component. */
export function embeddingVector(text: string, dims: number): Float32Array {
  let state = hashString(text) || 1;
  const vec = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    // mulberry32
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    let v = u * 2 - 1;
    if (Math.abs(v) < 1e-3) v = v < 0 ? -1e-3 : 1e-3;
    vec[i] = v;
    norm += v * v;
  }
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < dims; i++) vec[i] = vec[i]! * inv;
  return vec;
}

function float32ToBase64(vec: Float32Array): string {
  const buf = Buffer.allocUnsafe(vec.length * 4);
  for (let i = 0; i < vec.length; i++) buf.writeFloatLE(vec[i]!, i * 4);
  return buf.toString('base64');
}
