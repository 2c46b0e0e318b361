// Turns HTML form fields into the same validated inputs the JSON API takes.
import { getMultipartBoundary, MultipartParseError, parseMultipartStream } from '@remix-run/multipart-parser';
import type { Context } from 'hono';
import { timeSlicer, type Slicer } from '../concurrency/time-slice';
import type { z } from 'zod';
import { AppError } from '../errors';
import { validationError, withinJsonDepth } from '../http/validation';
import { chatParamsSchema, paramNameIssues, preprocessSchema } from '../schemas/requests';
import { unknownParams } from '../schemas/chat-param-names';

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

/** A field as typed, surrounding whitespace kept (a leading tab of pasted cells, an answer's spaces). */
export const fieldAsTyped = (body: FormBody, key: string): string => {
  const value = body[key];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
};

/** A form's text fields, to fill it in again when the page comes back (files cannot be). */
export const formValues = (body: FormBody): Record<string, string[]> =>
  Object.fromEntries(Object.entries(body).map(([key, value]) => [key, (Array.isArray(value) ? value : [value]).filter((part): part is string => typeof part === 'string')]));

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

/** The typed fields of ParamFields; `more_params` (a JSON object) holds any other parameter. */
const TYPED_PARAMS = ['temperature', 'max_tokens', 'seed'] as const;

export function formParams(body: FormBody) {
  const more = moreParams(body);
  const typed = Object.fromEntries(TYPED_PARAMS.filter((key) => field(body, key) !== '').map((key) => [key, optionalNumber(body, key)]));
  const twice = TYPED_PARAMS.find((key) => key in typed && Object.hasOwn(more, key));
  if (twice) throw new AppError(400, 'invalid_request', `more_params.${twice}: ${twice} has its own field above; give it once`);
  return parseWith(chatParamsSchema, { ...more, ...typed });
}

function moreParams(body: FormBody): Record<string, unknown> {
  const text = field(body, 'more_params');
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AppError(400, 'invalid_request', `more_params: not valid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new AppError(400, 'invalid_request', 'more_params: write a JSON object, e.g. {"top_k": 40}');
  return value as Record<string, unknown>;
}

/** The "send parameters this app does not know" checkbox of ParamFields. */
export const formAllowsUnknownParams = (body: FormBody): boolean => field(body, 'allow_unknown_params') !== '';

const ALLOW_ON_FORM = 'by ticking "send parameters this app does not know"';

/**
 * Refuses (400) parameter names this app does not know — in params, or swept — unless the form's
 * checkbox allows them; the message says how, in the form's words (the API's schemas check the same).
 */
export function checkFormParamNames(body: FormBody, params: Record<string, unknown>, sweep?: Record<string, unknown>) {
  if (formAllowsUnknownParams(body)) return;
  const issues = [
    ...paramNameIssues({ params }, ALLOW_ON_FORM),
    ...unknownParams(Object.keys(sweep ?? {}), ALLOW_ON_FORM).map(({ name, message }) => ({ path: ['sweep', name], message })),
  ];
  if (issues.length) throw validationError(issues, 'form');
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
