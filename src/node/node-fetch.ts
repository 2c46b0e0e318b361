// Node only: the `fetch` the openai SDK gets on Node, built on undici's `request` over its own
// keep-alive pool. Node's built-in fetch costs about 0.3 ms more per call than this and caps a
// process near 1,000 SDK calls/s; the SDK still does everything else (headers, errors, SSE). An
// answer read whole comes back as a BufferedResponse, not a fetch Response (see buffered-response.ts).
import { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { BufferedResponse } from './buffered-response';

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
  const fetchWithUndici = async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod;
    const { statusCode, headers, body } = await request(url, {
      method,
      headers: requestHeaders(init.headers),
      body: requestBody(init.body),
      signal: init.signal ?? undefined,
      dispatcher,
    });
    if (method === 'HEAD' || statusCode === 204 || statusCode === 304) {
      body.resume();
      return new BufferedResponse(url, statusCode, headers, null);
    }
    // Event streams are relayed as they arrive (a web Response, as the SDK's stream reader expects);
    // anything else is read whole, as the SDK would.
    const contentType = headers['content-type'];
    if ((Array.isArray(contentType) ? contentType.join(', ') : contentType)?.includes('text/event-stream')) {
      return new Response(Readable.toWeb(body) as ReadableStream<Uint8Array>, { status: statusCode, headers: webHeaders(headers) });
    }
    return new BufferedResponse(url, statusCode, headers, new Uint8Array(await body.arrayBuffer()));
  };
  return fetchWithUndici as unknown as typeof fetch;
}

/** The SDK sends a Headers (undici takes any iterable of pairs as it is); anything else is read as fetch would. */
function requestHeaders(headers: RequestInit['headers']): Iterable<[string, string]> | Record<string, string> {
  if (headers == null) return {};
  if (headers instanceof Headers) return headers;
  return new Headers(headers);
}

function webHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

function requestBody(body: RequestInit['body']): RequestBody {
  if (body == null) return null;
  if (body instanceof ReadableStream) return Readable.fromWeb(body as import('node:stream/web').ReadableStream);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Blob) return Readable.fromWeb(body.stream() as import('node:stream/web').ReadableStream);
  return body as RequestBody;
}
