// Turns HTML form fields into the same validated inputs the JSON API takes.
import { getMultipartBoundary, MultipartParseError, parseMultipartStream } from '@remix-run/multipart-parser';
import type { Context } from 'hono';
import { timeSlicer, type Slicer } from '../concurrency/time-slice';
import type { z } from 'zod';
import { AppError } from '../errors';
import { validationError, withinJsonDepth } from '../http/validation';
import { chatParamsSchema, preprocessSchema } from '../schemas/requests';

export type FormBody = Record<string, string | File | (string | File)[]>;

/**
 * The fields of a page form's POST. A body that is not a readable form (a broken multipart body, a
 * boundary that never closes) is the sender's mistake: a 400, not a 500. (The body's size was
 * checked before it was read: see page-guards.)
 */
export async function readForm(c: Context, options: { all?: boolean } = {}): Promise<FormBody> {
  try {
    return (await c.req.parseBody(options)) as FormBody;
  } catch {
    throw new AppError(400, 'invalid_request', 'body: not a readable form (send multipart/form-data or application/x-www-form-urlencoded)');
  }
}

/**
 * A form that carries a whole upload (the Studies form, up to 32 MiB): read as its body streams in.
 * The platform's formData() parses a 30 MB multipart body in one go (about 280 ms with the event
 * loop held); this parser looks for boundaries chunk by chunk. Every value is kept (as `all: true`).
 * The body's size was checked before it is read (see page-guards).
 */
export async function readUploadForm(c: Context): Promise<FormBody> {
  const boundary = getMultipartBoundary(c.req.header('content-type') ?? '');
  const stream = c.req.raw.body;
  if (boundary === null || !stream) return readForm(c, { all: true });
  const body: FormBody = {};
  try {
    for await (const part of parseMultipartStream(stream, { boundary, maxFileSize: Number.MAX_SAFE_INTEGER, maxTotalSize: Number.MAX_SAFE_INTEGER })) {
      if (!part.name) throw new MultipartParseError('a part without a name');
      const value = part.filename !== undefined ? new File(part.content as BlobPart[], part.filename, { type: part.mediaType ?? '' }) : part.text;
      const earlier = body[part.name];
      body[part.name] = earlier === undefined ? value : Array.isArray(earlier) ? [...earlier, value] : [earlier, value];
    }
  } catch (error) {
    if (!(error instanceof MultipartParseError)) throw error;
    throw new AppError(400, 'invalid_request', `body: not a readable form (${error.message})`);
  }
  return body;
}

/** An uploaded file's text, decoded a chunk at a time as it streams (decoding 30 MB at once holds the loop ~60 ms). */
export async function uploadText(file: Blob, slice: Slicer = timeSlicer()): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  // An in-memory blob's stream hands its chunks over without a turn of the event loop: the slicer gives one.
  for await (const chunk of file.stream() as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    await slice();
  }
  return text + decoder.decode();
}

export const field = (body: FormBody, key: string): string => {
  const value = body[key];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : '';
};

export const fields = (body: FormBody, key: string): string[] => {
  const value = body[key] ?? body[`${key}[]`];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
};

const optionalNumber = (body: FormBody, key: string) => (field(body, key) === '' ? undefined : Number(field(body, key)));

export function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = withinJsonDepth(schema).safeParse(value);
  if (!result.success) throw validationError(result.error.issues, 'form');
  return result.data;
}

export function formParams(body: FormBody) {
  return parseWith(chatParamsSchema, {
    ...(field(body, 'temperature') !== '' ? { temperature: optionalNumber(body, 'temperature') } : {}),
    ...(field(body, 'max_tokens') !== '' ? { max_tokens: optionalNumber(body, 'max_tokens') } : {}),
    ...(field(body, 'seed') !== '' ? { seed: optionalNumber(body, 'seed') } : {}),
  });
}

export function formPreprocess(body: FormBody) {
  return parseWith(preprocessSchema, {
    ...(field(body, 'whitespace') ? { whitespace: true } : {}),
    ...(field(body, 'remove_pii') ? { remove_pii: true } : {}),
    ...(field(body, 'max_chars') !== '' ? { max_chars: optionalNumber(body, 'max_chars') } : {}),
  });
}

/** Targets from "provider|model" checkboxes plus an optional free "provider/model" field. */
export function formTargets(body: FormBody) {
  const targets = fields(body, 'targets').map((value) => {
    const [provider, ...model] = value.split('|');
    return { provider: provider!, model: model.join('|') || undefined };
  });
  const extra = field(body, 'extra_target');
  if (extra) {
    const slash = extra.indexOf('/');
    if (slash <= 0) throw new AppError(400, 'invalid_request', 'extra_target: write it as provider/model');
    targets.push({ provider: extra.slice(0, slash), model: extra.slice(slash + 1) || undefined });
  }
  if (targets.length === 0) throw new AppError(400, 'invalid_request', 'targets: pick at least one target');
  return targets;
}
