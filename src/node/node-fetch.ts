// Node only: the `fetch` the openai SDK gets on Node, built on undici's `request` over its own
// keep-alive pool. Node's built-in fetch costs about 0.3 ms more per call than this and caps a
// process near 1,000 SDK calls/s; the SDK still does everything else (headers, errors, SSE).
import { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';

type RequestBody = NonNullable<Parameters<typeof request>[1]>['body'];

export interface NodeFetchOptions {
  /**
   * Longest silence allowed while a response body arrives (undici's bodyTimeout): a stream the
   * provider stops feeding fails after this long instead of holding its connection open for good.
   */
  idleTimeoutMs?: number;
}

export function undiciRequestFetch(options: NodeFetchOptions = {}): typeof fetch {
  const dispatcher = new Agent(options.idleTimeoutMs ? { bodyTimeout: options.idleTimeoutMs } : {});
  return async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod;
    const { statusCode, headers, body } = await request(url, {
      method,
      headers: new Headers(init.headers),
      body: requestBody(init.body),
      signal: init.signal ?? undefined,
      dispatcher,
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(headers)) {
      if (Array.isArray(value)) value.forEach((v) => { responseHeaders.append(name, v); });
      else if (value !== undefined) responseHeaders.set(name, value);
    }
    if (method === 'HEAD' || statusCode === 204 || statusCode === 304) {
      body.resume();
      return new Response(null, { status: statusCode, headers: responseHeaders });
    }
    // Event streams are relayed as they arrive; anything else is read whole, as the SDK would.
    const streamed = responseHeaders.get('content-type')?.includes('text/event-stream');
    const content = streamed ? (Readable.toWeb(body) as ReadableStream<Uint8Array>) : await body.arrayBuffer();
    return new Response(content, { status: statusCode, headers: responseHeaders });
  };
}

function requestBody(body: RequestInit['body']): RequestBody {
  if (body == null) return null;
  if (body instanceof ReadableStream) return Readable.fromWeb(body as import('node:stream/web').ReadableStream);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Blob) return Readable.fromWeb(body.stream() as import('node:stream/web').ReadableStream);
  return body as RequestBody;
}
