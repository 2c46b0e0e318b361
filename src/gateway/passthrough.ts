// Responses and legacy completions sent to providers that speak them: bodies as the client sent them
// (the model renamed as the provider knows it), retried and captured like chat.
import type { PassthroughEndpoint, Provider } from '../providers/types';
import { responsesAnswer, textCompletionAnswer } from '../capture/answer-shape';
import type { CallOutcome } from '../capture/call-plan';
import type { CaptureContext } from '../capture/capture';
import type { StreamPlan } from '../capture/stream-capture';
import { callAndCapture } from '../capture/provider-call';
import { CompletionTranscript, ResponsesTranscript, responsesTokens } from '../capture/stream-transcripts';
import { usageToTokens } from '../providers/openai-compatible';
import type { GatewayCallOptions } from './request';

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

export function sendThrough(ctx: CaptureContext, endpoint: PassthroughEndpoint, provider: Provider, body: Body, options: GatewayCallOptions) {
  let started = 0;
  return callAndCapture(ctx, {
    provider: provider.name,
    model: String(body.model),
    modality: endpoint === 'responses' ? 'chat' : 'completion',
    request: body,
    promptText: promptOfBody(body),
    attempt: (signal) => {
      started = performance.now();
      return provider.passthrough!.send(endpoint, body, signal);
    },
    outcome: (raw) => passthroughOutcome(endpoint, performance.now() - started)(raw),
    dedupScope: null,
    ...options,
  });
}

export function streamThrough(endpoint: PassthroughEndpoint, provider: Provider, body: Body, options: GatewayCallOptions): StreamPlan<Body> {
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
