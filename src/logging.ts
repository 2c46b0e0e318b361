// One JSON line per event. Secrets are scrubbed from every line, whatever field they hide in.
export type LogRecord = { event: string } & Record<string, unknown>;

export interface Logger {
  /** Whether prompt and response text may be logged (LOG_PROMPTS=1). */
  readonly logPrompts: boolean;
  info(record: LogRecord): void;
  error(record: LogRecord): void;
}

export interface LoggerOptions {
  write?: (line: string) => void;
  secrets?: string[];
  logPrompts?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => console.log(line));
  const redact = createRedactor(options.secrets ?? []);
  // Secrets are scrubbed from the values first: JSON escapes `"`, `\`, tabs and new lines, so a secret
  // holding one of them no longer appears verbatim once encoded. The pass over the encoded line then
  // catches what only shows up whole in it (a bearer token assembled from parts, say).
  const emit = (level: string, record: LogRecord) =>
    write(redact(JSON.stringify(redactValues({ time: new Date().toISOString(), level, ...record }, redact))));
  return {
    logPrompts: options.logPrompts ?? false,
    info: (record) => emit('info', record),
    error: (record) => emit('error', record),
  };
}

/** Replaces every configured secret (and any bearer token) in a string with [redacted]. */
export function createRedactor(secrets: string[]): (text: string) => string {
  const sorted = [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of sorted) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    return out.replace(/Bearer\s+[A-Za-z0-9._~+/=-]{8,}/g, 'Bearer [redacted]');
  };
}

/**
 * A copy of `value` with `redact` applied to every string in it — keys too, at any depth. Errors become
 * {name, message, stack} (JSON.stringify would drop all three); objects with toJSON (dates) are
 * encoded the way JSON.stringify would first.
 */
export function redactValues(value: unknown, redact: (text: string) => string, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    if (value instanceof Error) {
      const { name, message, stack } = value;
      return redactValues({ ...value, name, message, stack }, redact, seen);
    }
    const json = (value as { toJSON?: unknown }).toJSON;
    if (typeof json === 'function') return redactValues(json.call(value), redact, seen);
    if (Array.isArray(value)) return value.map((item) => redactValues(item, redact, seen));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [redact(key), redactValues(item, redact, seen)]));
  } finally {
    seen.delete(value);
  }
}
