// Responses and legacy completions sent to providers that speak them: bodies as the client sent them
// (the model renamed as the provider knows it), retried and captured like chat. Sent to a provider
// that may serve chat only, the first attempt is a probe made before capture (see served-apis.ts).
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import type { PassthroughEndpoint, Provider, ProviderError } from '../providers/types';
import { responsesAnswer, textCompletionAnswer } from '../capture/answer-shape';
import type { CallOutcome } from '../capture/call-plan';
import type { CaptureContext } from '../capture/capture';
import { openStream, type OpenedStream, type StreamPlan } from '../capture/stream-capture';
import { callAndCapture, type Captured } from '../capture/provider-call';
import { CompletionTranscript, ResponsesTranscript, responsesTokens } from '../capture/stream-transcripts';
import { usageToTokens } from '../providers/openai-compatible';
import { toProviderError } from '../providers/provider-errors';
import { upstreamError } from './errors';
import type { GatewayContext } from './gateway-context';
import type { GatewayCallOptions } from './request';
import { endpointMissing, translatedAfter, type ServedApis } from './served-apis';
import { relayAsSse, type SseWriter } from './sse';

type Body = Record<string, unknown>;

/** What the row records of a Responses or completions answer: the one answer shape, and its tokens. */
function passthroughOutcome(endpoint: PassthroughEndpoint, latencyMs: number) {
  return (raw: unknown): CallOutcome => {
    const loose = (raw ?? {}) as Body;
    const { text, ...answer } = endpoint === 'responses' ? responsesAnswer(raw) : textCompletionAnswer(raw);
    return {
      ok: true,
      text,
      tokens: endpoint === 'responses' ? responsesTokens(loose.usage) : usageToTokens(loose.usage),
      latencyMs: latencyMs,
      response: { model: loose.model, response_id: loose.id, ...answer, raw },
    };
  };
}

const promptOfBody = (body: Body) => JSON.stringify(body.input ?? body.prompt ?? '');

/**
 * A Responses or completions request sent through as it came, if its provider serves the endpoint
 * or may (then its first attempt is the probe): the answer, plain or relayed as `stream` says — or,
 * when it is to be translated to chat instead, what its row says of why (`translated_after`, with
 * `probe_ms` on the request whose probe found the endpoint missing).
 */
export async function sendOrTranslate(
  c: Context<AppEnv>,
  g: GatewayContext,
  endpoint: PassthroughEndpoint,
  provider: Provider,
  body: Body,
  options: GatewayCallOptions,
  stream: SseWriter<Body>,
): Promise<{ answer: Response } | { translated: Record<string, unknown> }> {
  const route = g.apis.route(provider, endpoint);
  if (route === 'translate') return { translated: {} };
  if (route === 'translate_after_404') return { translated: translatedAfter(endpoint) };
  const probing = route === 'probe' ? g.apis : undefined;
  if (!body.stream) {
    const sent = await sendThrough(g.ctx, endpoint, provider, body, options, probing);
    if (isEndpointMissing(sent)) return { translated: { ...translatedAfter(endpoint), probe_ms: sent.probeMs } };
    if (!sent.result.ok) throw upstreamError(sent.result.error, sent.summary, g.deps.redact);
    c.header('x-study-call-id', String(sent.summary.id));
    return { answer: c.json(g.deps.scrub(sent.result.value as Body)) };
  }
  const opened = await openThrough(g.ctx, endpoint, provider, body, options, probing);
  if (isEndpointMissing(opened)) return { translated: { ...translatedAfter(endpoint), probe_ms: opened.probeMs } };
  if (!opened.ok) throw upstreamError(opened.error, opened.summary, g.deps.redact);
  return { answer: await relayAsSse(c, g.deps, opened, options.controller, stream) };
}

/** What a probe found out when the endpoint is missing: nothing was captured; the request is to be translated. */
export interface EndpointMissing {
  missing: true;
  probeMs: number;
}

/**
 * One request sent through, captured. With `apis` (the provider may serve chat only) its first
 * attempt is a probe: `EndpointMissing`, and no row, when the endpoint turns out to be missing.
 */
async function sendThrough(
  ctx: CaptureContext,
  endpoint: PassthroughEndpoint,
  provider: Provider,
  body: Body,
  options: GatewayCallOptions,
  apis?: ServedApis,
): Promise<Captured<unknown> | EndpointMissing> {
  let started = 0;
  const send = (signal: AbortSignal) => {
    started = performance.now();
    return provider.passthrough!.send(endpoint, body, signal);
  };
  let attempt = send;
  let metadata = options.metadata;
  if (apis) {
    const probed = await probe(ctx, options.controller, () => send(options.controller.signal));
    if (probed.missing) return endpointFoundMissing(apis, provider, endpoint, probed);
    attempt = handedOver(probed.first, send);
    metadata = { ...metadata, probe_ms: probed.probeMs };
  }
  const captured = await callAndCapture(ctx, {
    provider: provider.name,
    model: String(body.model),
    modality: endpoint === 'responses' ? 'chat' : 'completion',
    request: body,
    promptText: promptOfBody(body),
    attempt,
    outcome: (raw) => passthroughOutcome(endpoint, performance.now() - started)(raw),
    dedupScope: null,
    ...options,
    metadata,
  });
  if (apis && captured.result.ok) apis.learn(provider, endpoint, 'served');
  return captured;
}

/** One streamed request sent through (see sendThrough for `apis`); the opened stream is captured when it ends. */
async function openThrough(
  ctx: CaptureContext,
  endpoint: PassthroughEndpoint,
  provider: Provider,
  body: Body,
  options: GatewayCallOptions,
  apis?: ServedApis,
): Promise<OpenedStream<Body> | EndpointMissing> {
  const plan = streamThrough(endpoint, provider, body, options);
  if (!apis) return openStream(ctx, plan);
  const events = plan.open(options.controller.signal)[Symbol.asyncIterator]();
  const probed = await probe(ctx, options.controller, () => events.next());
  if (probed.missing) return endpointFoundMissing(apis, provider, endpoint, probed);
  let first: AsyncIterable<Body> | undefined = continued(events, probed.first);
  const opened = await openStream(ctx, {
    ...plan,
    metadata: { ...plan.metadata, probe_ms: probed.probeMs },
    open: (signal) => {
      const attempt = first ?? plan.open(signal);
      first = undefined;
      return attempt;
    },
  });
  if (opened.ok) apis.learn(provider, endpoint, 'served');
  return opened;
}

const isEndpointMissing = (value: object): value is EndpointMissing => 'missing' in value;

type Probed<T> = { missing: true; probeMs: number; error: ProviderError } | { missing: false; probeMs: number; first: Promise<T> };

/**
 * A call's first attempt, made before its capture starts (and counted as in flight, so a stopping
 * server cancels it): a 404 saying the endpoint is missing ends here, leaving no row. Anything else
 * it came back with is the call's first attempt, handed over to the capture pipeline.
 */
async function probe<T>(ctx: CaptureContext, controller: AbortController, attempt: () => Promise<T>): Promise<Probed<T>> {
  const started = performance.now();
  const first = attempt();
  let error: ProviderError | undefined;
  try {
    await (ctx.lifecycle ? ctx.lifecycle.track(first, controller) : first);
  } catch (thrown) {
    error = toProviderError(thrown);
  }
  const probeMs = Math.round((performance.now() - started) * 1000) / 1000;
  if (error && endpointMissing(error)) return { missing: true, probeMs, error };
  return { missing: false, probeMs, first };
}

function endpointFoundMissing(apis: ServedApis, provider: Provider, endpoint: PassthroughEndpoint, probed: { probeMs: number; error: ProviderError }): EndpointMissing {
  apis.learn(provider, endpoint, 'missing', probed.error);
  return { missing: true, probeMs: probed.probeMs };
}

/** An attempt function whose first call is handed the attempt already made; later calls (retries) make new ones. */
function handedOver<T>(first: Promise<T>, again: (signal: AbortSignal) => Promise<T>) {
  let made: Promise<T> | undefined = first;
  return (signal: AbortSignal) => {
    const attempt = made ?? again(signal);
    made = undefined;
    return attempt;
  };
}

/** The events of a stream whose first `next()` was already called (its result is `first`). */
async function* continued<E>(events: AsyncIterator<E>, first: Promise<IteratorResult<E>>): AsyncIterable<E> {
  let next = await first;
  try {
    while (!next.done) {
      yield next.value;
      next = await events.next();
    }
  } finally {
    if (!next.done) await events.return?.();
  }
}

function streamThrough(endpoint: PassthroughEndpoint, provider: Provider, body: Body, options: GatewayCallOptions): StreamPlan<Body> {
  return {
    provider: provider.name,
    model: String(body.model),
    modality: endpoint === 'responses' ? 'chat' : 'completion',
    request: { ...body, stream: true },
    promptText: promptOfBody(body),
    ...options,
    open: (signal) => provider.passthrough!.stream(endpoint, body, signal),
    transcript: () => (endpoint === 'responses' ? new ResponsesTranscript() : new CompletionTranscript()),
  };
}
