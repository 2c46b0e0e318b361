// Relaying an opened stream as server-sent events: each protocol says how its events are written.
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppEnv } from '../app-env';
import type { AppDeps } from '../deps';
import type { ProviderError } from '../providers/types';
import type { OpenedStream } from '../capture/stream-capture';

export interface SseWriter<E> {
  /** Each relayed event as the SSE frames (`data: …\n\n`, or `event: …\ndata: …\n\n`) the client expects. */
  event(event: E): string[];
  end(): string[];
  fail(error: ProviderError, callId: number, requestId: string): string[];
}

export function relayAsSse<E>(c: Context<AppEnv>, deps: AppDeps, opened: Extract<OpenedStream<E>, { ok: true }>, controller: AbortController, writer: SseWriter<E>) {
  const requestId = c.get('requestId');
  c.header('x-study-request-id', requestId);
  const write = async (sse: { write(text: string): Promise<unknown> }, frames: string[]) => {
    for (const frame of frames) await sse.write(frame);
  };
  return streamSSE(
    c,
    async (sse) => {
      sse.onAbort(() => controller.abort());
      await opened.relay({
        event: (event) => write(sse, writer.event(deps.scrub(event))),
        end: () => write(sse, writer.end()),
        fail: (error, callId) => write(sse, writer.fail(error, callId, requestId)),
      });
    },
    async (err) => {
      deps.logger.error({ event: 'gateway_stream_error', request_id: requestId, error: deps.redact(String(err?.stack ?? err)) });
    },
  );
}

export const dataFrame = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
export const namedFrame = (name: string, value: unknown) => `event: ${name}\ndata: ${JSON.stringify(value)}\n\n`;
