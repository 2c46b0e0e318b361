// Why a gateway request cannot be carried over to a chat-completions provider; the routes answer it with a 400.
import type { z } from 'zod';

export type TranslationErrorCode = 'unsupported_parameter' | 'unsupported_value' | 'invalid_value';

/** A field the translation cannot carry, or a value it cannot read; `param` names it as OpenAI does (`input[2].content[0].type`). */
export class TranslationError extends Error {
  override name = 'TranslationError';
  constructor(
    readonly param: string,
    readonly code: TranslationErrorCode,
    message: string,
  ) {
    super(`${param}: ${message}`);
  }
}

export const unsupportedParameter = (param: string, message: string) => new TranslationError(param, 'unsupported_parameter', message);
export const unsupportedValue = (param: string, message: string) => new TranslationError(param, 'unsupported_value', message);
export const invalidValue = (param: string, message: string) => new TranslationError(param, 'invalid_value', message);

/** `['input', 2, 'content']` → `input[2].content`. */
export function paramPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/** Reads `value` with `schema`, or throws the first problem as an invalid_value naming the field under `at`. */
export function readAt<Schema extends z.ZodType>(schema: Schema, value: unknown, at: ReadonlyArray<PropertyKey>): z.infer<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw invalidValue(paramPath([...at, ...issue.path]) || 'body', issue.message);
}
