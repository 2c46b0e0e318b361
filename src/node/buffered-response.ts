// Node only: the answer undiciRequestFetch hands the SDK when a provider's body was read whole. It
// offers what the SDK reads of an answer — status, headers, the body as JSON or text — without fetch's
// Response and Headers classes, whose web streams and WebIDL checks cost more per call than parsing
// the answer. Headers are read-only, as on a fetched Response; the body can be read once.

type RawHeaders = Record<string, string | string[] | undefined>;

// Decodes as fetch's text() does: UTF-8, a byte order mark dropped, bad bytes replaced.
const utf8 = new TextDecoder();

/** The provider's headers as undici parsed them (lower-case names), behind the read side of fetch's Headers. */
export class ResponseHeaders implements Iterable<[string, string]> {
  readonly #raw: RawHeaders;

  constructor(raw: RawHeaders) {
    this.#raw = raw;
  }

  get(name: string): string | null {
    const value = this.#raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.#raw[name.toLowerCase()] !== undefined;
  }

  getSetCookie(): string[] {
    const value = this.#raw['set-cookie'];
    return value === undefined ? [] : Array.isArray(value) ? [...value] : [value];
  }

  /** In name order, each Set-Cookie on its own, as fetch's Headers iterate. */
  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.#raw).sort()) {
      if (name === 'set-cookie') for (const cookie of this.getSetCookie()) yield [name, cookie];
      else if (this.#raw[name] !== undefined) yield [name, this.get(name)!];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: string, name: string, headers: ResponseHeaders) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }

  [Symbol.iterator]() {
    return this.entries();
  }

  set(): never {
    throw new TypeError('Headers of a fetched response are immutable');
  }

  append(): never {
    return this.set();
  }

  delete(): never {
    return this.set();
  }
}

export class BufferedResponse {
  readonly statusText = '';
  readonly redirected = false;
  readonly type = 'basic';
  readonly ok: boolean;
  readonly headers: ResponseHeaders;
  readonly #rawHeaders: RawHeaders;
  /** null when there is no body, or once it was taken. */
  #bytes: Uint8Array | null;
  #used = false;
  #stream: ReadableStream<Uint8Array> | null | undefined;

  constructor(
    readonly url: string,
    readonly status: number,
    headers: RawHeaders,
    bytes: Uint8Array | null,
  ) {
    this.ok = status >= 200 && status < 300;
    this.#rawHeaders = headers;
    this.headers = new ResponseHeaders(headers);
    this.#bytes = bytes;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /** The body as a stream (the same one each time); taking it counts as reading the body. */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#stream === undefined) this.#stream = this.#bytes === null ? null : streamOf(this.#take());
    return this.#stream;
  }

  async text(): Promise<string> {
    return utf8.decode(this.#take());
  }

  async json(): Promise<unknown> {
    return JSON.parse(utf8.decode(this.#take()));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return new Uint8Array(this.#take()).buffer;
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(this.#take());
  }

  async blob(): Promise<Blob> {
    return new Blob([new Uint8Array(this.#take())], { type: this.headers.get('content-type') ?? '' });
  }

  clone(): BufferedResponse {
    if (this.#used) throw new TypeError('Response.clone: the body has already been read');
    return new BufferedResponse(this.url, this.status, this.#rawHeaders, this.#bytes);
  }

  #take(): Uint8Array {
    if (this.#used) throw new TypeError('Body is unusable: the body has already been read');
    this.#used = true;
    const bytes = this.#bytes ?? new Uint8Array(0);
    this.#bytes = null;
    return bytes;
  }
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (bytes.byteLength) controller.enqueue(bytes);
      controller.close();
    },
  });
}
