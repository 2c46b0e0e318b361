// Node only: the `fetch` the openai SDK gets on Node, built on undici's lowest layer (`dispatch`, with
// a handler of our own) over its own keep-alive pool. Node's built-in fetch costs about 0.3 ms more
// per call than this and caps a process near 1,000 SDK calls/s; undici's `request` reads a body
// through a Node stream, which costs about 13 us a call more than collecting the chunks here. The
// SDK still does everything else (headers, errors, SSE). An answer read whole comes back as a
// BufferedResponse, not a fetch Response (see buffered-response.ts); an event stream as a Response
// over a web stream the SDK reads as it arrives.
import { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { BufferedResponse } from './buffered-response';

type RawHeaders = Record<string, string | string[] | undefined>;

export interface NodeFetchOptions {
  /**
   * Longest silence allowed while a response body arrives (undici's bodyTimeout): a stream the
   * provider stops feeding fails after this long instead of holding its connection open for good.
   */
  idleTimeoutMs?: number;
}

export function undiciRequestFetch(options: NodeFetchOptions = {}): typeof fetch {
  const dispatcher = new Agent(options.idleTimeoutMs ? { bodyTimeout: options.idleTimeoutMs } : {});
  const fetchWithUndici = (input: string | URL | Request, init: RequestInit = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(abortReason(signal));
      const method = (init.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod;
      dispatcher.dispatch(
        { origin: url.origin, path: `${url.pathname}${url.search}`, method, headers: requestHeaders(init.headers), body: requestBody(init.body) },
        new AnswerHandler(url.href, method, resolve, reject, signal),
      );
    });
  return fetchWithUndici as unknown as typeof fetch;
}

const abortReason = (signal: AbortSignal): unknown => signal.reason ?? new DOMException('This operation was aborted', 'AbortError');

/** Collects one answer: whole into a BufferedResponse, or, for an event stream, chunk by chunk into a web stream. */
class AnswerHandler implements Dispatcher.DispatchHandler {
  private controller?: Dispatcher.DispatchController;
  private abortedWith?: Error;
  private status = 0;
  private headers: RawHeaders = {};
  private chunks: Buffer[] = [];
  /** Set once an event stream is handed out; `open` until it ends, fails or its reader cancels it. */
  private stream?: { controller: ReadableStreamDefaultController<Uint8Array>; open: boolean };

  constructor(
    private readonly url: string,
    private readonly method: string,
    private readonly resolve: (response: unknown) => void,
    private readonly reject: (error: unknown) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = () => {
    this.abortedWith = abortReason(this.signal!) as Error;
    // Before the request reached a connection there is no controller yet: onRequestStart aborts it.
    this.controller?.abort(this.abortedWith);
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortedWith) controller.abort(this.abortedWith);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: RawHeaders): void {
    if (statusCode < 200) return; // an informational answer; the real one follows
    this.status = statusCode;
    this.headers = headers;
    const type = headers['content-type'];
    if (!(Array.isArray(type) ? type.join(', ') : type)?.includes('text/event-stream')) return;
    // Relayed as it arrives, no faster than the SDK reads it.
    const body = new ReadableStream<Uint8Array>(
      {
        start: (stream) => {
          this.stream = { controller: stream, open: true };
        },
        pull: () => controller.resume(),
        cancel: (reason) => {
          this.stream!.open = false;
          controller.abort(reason instanceof Error ? reason : new DOMException('The stream was cancelled', 'AbortError'));
        },
      },
      { highWaterMark: 0 },
    );
    this.resolve(new Response(body, { status: statusCode, headers: webHeaders(headers) }));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.stream) {
      this.chunks.push(chunk);
      return;
    }
    if (!this.stream.open) return;
    this.stream.controller.enqueue(chunk);
    if ((this.stream.controller.desiredSize ?? 0) <= 0) controller.pause();
  }

  onResponseEnd(): void {
    this.finish();
    if (this.stream) {
      if (this.stream.open) this.stream.controller.close();
      this.stream.open = false;
      return;
    }
    const bodyless = this.method === 'HEAD' || this.status === 204 || this.status === 304;
    const bytes = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.resolve(new BufferedResponse(this.url, this.status, this.headers, bodyless ? null : bytes));
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.finish();
    const reason = this.abortedWith ?? error;
    if (!this.stream) {
      this.reject(reason);
      return;
    }
    if (this.stream.open) this.stream.controller.error(reason);
    this.stream.open = false;
  }

  private finish() {
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}

/** The SDK sends a Headers (undici takes any iterable of pairs as it is); anything else is read as fetch would. */
function requestHeaders(headers: RequestInit['headers']): Iterable<[string, string]> | Record<string, string> {
  if (headers == null) return {};
  if (headers instanceof Headers) return headers;
  return new Headers(headers);
}

function webHeaders(raw: RawHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

function requestBody(body: RequestInit['body']): Dispatcher.DispatchOptions['body'] {
  if (body == null) return null;
  if (body instanceof ReadableStream) return Readable.fromWeb(body as import('node:stream/web').ReadableStream);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Blob) return Readable.fromWeb(body.stream() as import('node:stream/web').ReadableStream);
  return body as Dispatcher.DispatchOptions['body'];
}
