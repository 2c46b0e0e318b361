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
  const emit = (level: string, record: LogRecord) =>
    write(redact(JSON.stringify({ time: new Date().toISOString(), level, ...record })));
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
