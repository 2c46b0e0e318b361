// One JSON line per event. Secrets are scrubbed from every line, whatever field they hide in.
import { escapeRegExp, SECRET_PLACEHOLDER, scrubStrings, secretsToFind } from './capture/scrub-secrets';

export type LogRecord = { event: string } & Record<string, unknown>;

export interface Logger {
  /** Whether prompt and response text may be logged (LOG_PROMPTS=1). */
  readonly logPrompts: boolean;
  info(record: LogRecord): void;
  error(record: LogRecord): void;
}

export interface LoggerOptions {
  /** Where each line goes; console.log unless given (Node's server passes a buffered stdout writer). */
  write?: (line: string) => void;
  secrets?: string[];
  logPrompts?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => console.log(line));
  const scrubLine = jsonLineScrubber(options.secrets ?? []);
  const emit = (level: string, record: LogRecord) => write(scrubLine(encodeRecord({ time: new Date().toISOString(), level, ...record })));
  return {
    logPrompts: options.logPrompts ?? false,
    info: (record) => emit('info', record),
    error: (record) => emit('error', record),
  };
}

/** An Error as its name, message and stack (and any fields of its own): JSON.stringify alone writes {}. */
const errorsExpanded = (_key: string, value: unknown) =>
  value instanceof Error ? { ...value, name: value.name, message: value.message, stack: value.stack } : value;

const isFlat = (record: Record<string, unknown>) => {
  for (const key in record) if (typeof record[key] === 'object' && record[key] !== null) return false;
  return true;
};

function encodeRecord(record: Record<string, unknown>): string {
  // Most lines hold only strings and numbers: JSON.stringify without a replacer is a good deal faster.
  if (isFlat(record)) return JSON.stringify(record);
  try {
    return JSON.stringify(record, errorsExpanded);
  } catch {
    // A cycle: the slow walk marks it '[circular]' (and expands errors on the way).
    return JSON.stringify(scrubStrings(record, (text) => text));
  }
}

// Bearer tokens in any header or message: a space, tab or line break between (as JSON writes them).
const BEARER = String.raw`Bearer(?:\s|\\[tnrf]|\\u000[bB])+[A-Za-z0-9._~+/=-]{8,}`;
const BEARER_RAW = String.raw`Bearer\s+[A-Za-z0-9._~+/=-]{8,}`;
// Not inside an escape sequence: `\n` followed by "abc…" holds "nabc…" only as two characters of JSON.
const NOT_ESCAPED = String.raw`(?<!(?:^|[^\\])(?:\\\\)*\\)`;

/**
 * One precompiled pass over an encoded JSON line. Each secret is looked for as JSON writes it inside a
 * string (`"` → \", `\` → \\, tab → \t, new line → \n), which is the only way it can appear in the
 * line — in a value, a key, an error's stack, at any depth.
 */
export function jsonLineScrubber(secrets: string[]): (line: string) => string {
  const encoded = secretsToFind(secrets).map((s) => escapeRegExp(JSON.stringify(s).slice(1, -1)));
  const pattern = new RegExp(`${NOT_ESCAPED}(?:${encoded.length ? `(${encoded.join('|')})|` : ''}${BEARER})`, 'g');
  return (line) => line.replace(pattern, (_match, secret?: string) => (secret ? SECRET_PLACEHOLDER : `Bearer ${SECRET_PLACEHOLDER}`));
}

/** Replaces every configured secret (and any bearer token) in a string with [redacted]: one precompiled pass. */
export function createRedactor(secrets: string[]): (text: string) => string {
  const raw = secretsToFind(secrets).map(escapeRegExp);
  const pattern = new RegExp(`${raw.length ? `(${raw.join('|')})|` : ''}${BEARER_RAW}`, 'g');
  return (text) => text.replace(pattern, (_match, secret?: string) => (secret ? SECRET_PLACEHOLDER : `Bearer ${SECRET_PLACEHOLDER}`));
}
