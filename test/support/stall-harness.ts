// Sends hostile requests to the real server (`node dist/server/node.js`, as `npm start` runs it) while
// a separate process polls its health, and says what went wrong: a stall longer than the limit, a
// health answer other than 200, a 5xx, a request that never finished, a server that died. A server
// that hung or died is killed (-9) and the next input gets a fresh one, so one hang hides nothing.
// Every input's figures go into a table printed at the end (the baseline).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildServer, startServer, type ServerProcess } from './server';
import { startStallProbe, type Measured, type StallProbe } from './stall-probe';

/** The invariant: no request blocks the event loop longer than this. */
export const STALL_LIMIT_MS = 100;
/**
 * Health silent this long, not counting time the server waited for a CPU: the input has failed
 * (7.5 times over); cut it short rather than wait for it.
 */
export const HANG_MS = 750;

/** What a hostile input may use: requests that give up when the input is cut short, each one recorded. */
export interface HostileApi {
  readonly base: string;
  readonly signal: AbortSignal;
  request(method: string, path: string, init?: { body?: BodyInit; headers?: Record<string, string> }): Promise<Answer>;
  post(path: string, json: unknown): Promise<Answer>;
  get(path: string): Promise<Answer>;
  /** GETs `path` every 50 ms until `done` holds for its JSON. */
  waitFor(path: string, done: (body: any) => boolean): Promise<any>;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export interface CheckOptions<S> {
  /** Unmeasured preparation on the same server (a study to score, say). */
  setup?: (api: HostileApi) => Promise<S>;
  capMs?: number;
  /** Start from a fresh server (its VmHWM is then this input's memory peak). */
  fresh?: boolean;
  /** The input leaves work behind: throw its server away afterwards. */
  discardAfter?: boolean;
}

export interface CheckResult {
  label: string;
  measured: Measured<string | void>;
  calls: string[];
  problems: string[];
}

interface Served {
  server: ServerProcess;
  exited: Promise<number | null>;
  exitCode?: number | null;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

export class StallHarness {
  private dir = '';
  private probe?: StallProbe;
  private current?: Served;
  private servers = 0;
  private readonly all: Served[] = [];
  readonly results: CheckResult[] = [];

  constructor(private readonly env: Record<string, string> = {}) {}

  async start() {
    this.dir = mkdtempSync(join(tmpdir(), 'study-no-stall-'));
    await buildServer();
    // Each server starts from a copy of one migrated database: a fresh one takes seconds to migrate.
    await promisify(execFile)(process.execPath, ['dist/server/migrate.js'], { env: { ...process.env, DATABASE_URL: `file:${this.template()}` } });
    this.probe = await startStallProbe();
  }

  private template(suffix = '') {
    return join(this.dir, `migrated.db${suffix}`);
  }

  /** Runs one hostile input on a healthy server and reports what went wrong with it. */
  async check<S>(label: string, work: (api: HostileApi, prepared: S) => Promise<string | void>, options: CheckOptions<S> = {}): Promise<CheckResult> {
    if (options.fresh) await this.discard();
    const served = await this.serve();
    const prepared = options.setup ? await options.setup(this.api(served.server.base, AbortSignal.timeout(30_000), [])) : (undefined as S);
    const calls: string[] = [];
    const measured = await this.probe!.measure((signal) => work(this.api(served.server.base, signal, calls), prepared), {
      hangMs: HANG_MS,
      capMs: options.capMs ?? 20_000,
      exited: served.exited,
    });
    const result = { label, measured, calls, problems: problemsOf(measured, calls, served) };
    this.results.push(result);
    const stuck = measured.cutShort !== undefined || measured.report.pendingMs > STALL_LIMIT_MS || served.exitCode !== undefined;
    if (stuck || options.discardAfter) await this.discard();
    return result;
  }

  /** Kills every server, stops the poller, and prints the baseline table. */
  async stop() {
    await Promise.all(this.all.map((s) => s.server.kill('SIGKILL')));
    this.probe?.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    if (this.results.length) console.log(baselineTable(this.results));
  }

  private async serve(): Promise<Served> {
    if (this.current && this.current.exitCode === undefined) return this.current;
    const database = join(this.dir, `server-${++this.servers}.db`);
    for (const suffix of ['', '-wal']) if (existsSync(this.template(suffix))) copyFileSync(this.template(suffix), `${database}${suffix}`);
    const server = await startServer({ DATABASE_URL: `file:${database}`, ...this.env }, { prebuilt: true });
    const served: Served = { server, exited: new Promise((resolve) => server.child.once('exit', (code) => resolve(code))) };
    void served.exited.then((code) => (served.exitCode = code));
    this.all.push(served);
    await this.probe!.watch({ base: server.base, pid: server.child.pid! });
    return (this.current = served);
  }

  private async discard() {
    if (!this.current) return;
    await this.probe!.watch();
    await this.current.server.kill('SIGKILL');
    this.current = undefined;
  }

  private api(base: string, signal: AbortSignal, calls: string[]): HostileApi {
    const request: HostileApi['request'] = async (method, path, init = {}) => {
      const shown = `${method} ${path.length > 60 ? `${path.slice(0, 57)}…` : path}`;
      calls.push(`${shown} → no answer`);
      const at = calls.length - 1;
      // A stream is sent chunked, without a length; fetch wants that said.
      const duplex = init.body instanceof ReadableStream ? { duplex: 'half' } : {};
      const res = await fetch(`${base}${path}`, { method, body: init.body, headers: init.headers, redirect: 'manual', signal, ...duplex });
      const text = await res.text();
      calls[at] = `${shown} → ${res.status}`;
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: kept as text
      }
      return { status: res.status, headers: res.headers, body };
    };
    return {
      base,
      signal,
      request,
      post: (path, json) => request('POST', path, { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } }),
      get: (path) => request('GET', path),
      async waitFor(path, done) {
        for (;;) {
          const { status, body } = await request('GET', path);
          if (status !== 200) throw new Error(`GET ${path} answered ${status}: ${JSON.stringify(body).slice(0, 200)}`);
          // Polls that were answered are not worth a line each.
          calls.pop();
          if (done(body)) return body;
          await sleep(50, signal);
        }
      },
    };
  }
}

function problemsOf(measured: Measured<string | void>, calls: string[], served: Served): string[] {
  const { report, cutShort, error } = measured;
  const problems: string[] = [];
  if (report.stallMs > STALL_LIMIT_MS) {
    problems.push(
      `health went unanswered for ${ms(report.stallMs)} (limit ${STALL_LIMIT_MS} ms; as measured: longest wait ${ms(report.longestWaitMs)}, ` +
        `longest gap between answers ${ms(report.longestGapMs)}; not counted: the server waiting for a CPU, at most ${ms(report.queuedMs)} ` +
        `in one wait, and an idle process polled alongside waited at most ${ms(report.noiseMs)})`,
    );
  }
  if (report.badStatuses.length) problems.push(`health answered ${[...new Set(report.badStatuses)].map((s) => (s === 0 ? 'no connection' : s)).join(', ')}`);
  for (const call of calls) if (/→ (5\d\d|no answer)$/.test(call)) problems.push(call);
  if (cutShort) problems.push(`cut short: ${cutShort}`);
  else if (error) problems.push(`failed: ${error instanceof Error ? error.message : String(error)}`);
  if (served.exitCode !== undefined) problems.push(`the server exited with code ${served.exitCode}: ${lastLines(served.server.output)}`);
  return problems;
}

const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;

function lastLines(output: string[]): string {
  return output.join('').trim().split('\n').slice(-3).join(' | ').slice(0, 600);
}

/** Markdown: input → what it was answered, the longest stall, the noise floor, memory. */
export function baselineTable(results: CheckResult[]): string {
  const rows = results.map(({ label, measured: { report, value, cutShort }, calls, problems }) => {
    const answers = [...calls.map((c) => c.replace(/^.*→ /, '')), ...(typeof value === 'string' ? [value] : [])].join(', ');
    const stall = `${ms(report.stallMs)}${cutShort ? ' (cut)' : ''}`;
    const memory = report.rssPeakMiB === null ? '—' : `${report.rssPeakMiB} / ${report.hwmMiB ?? '—'} MiB`;
    const noise = `${ms(report.queuedMs)} / ${ms(report.noiseMs)}`;
    return `| ${label.replaceAll('|', '\\|')} | ${answers || '—'} | ${stall} | ${ms(report.longestGapMs)} | ${noise} | ${memory} | ${problems.length ? 'FAIL' : 'ok'} |`;
  });
  return [
    `| input | answers | health stall | longest gap between health answers | not counted: server's CPU queue / idle control's wait | server RSS: peak sampled / VmHWM | verdict |`,
    `|---|---|---|---|---|---|---|`,
    ...rows,
  ].join('\n');
}
