// A small process of its own (forked by stall-probe.ts) that asks a server for GET /api/v1/health
// every POLL_INTERVAL_MS, and an idle control process the same way, so that neither the test
// worker's scheduling nor vitest's other files count as the server's stall. It also reads, from
// /proc, how long the server's event-loop thread waited for a CPU (schedstat) and its resident
// memory. Linux only. Commands and reports travel over the fork's IPC channel.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { longestSilence, POLL_INTERVAL_MS, stallFigures, type HealthWait, type StallFigures } from './stall-window';

export type PollerCommand =
  | { type: 'watch'; base: string; pid: number }
  | { type: 'unwatch' }
  | { type: 'begin'; hangMs: number }
  | { type: 'end' };

export interface WindowReport extends StallFigures {
  durationMs: number;
  /** The longest time between two health answers (or from the window's start, or to its end). */
  longestGapMs: number;
  healthAnswers: number;
  /** Health answers other than 200 (0: no connection), in order. */
  badStatuses: number[];
  /** How long the health request still unanswered when the window ended had waited (0: none). */
  pendingMs: number;
  /** Peak VmRSS sampled every POLL_INTERVAL_MS in the window, and VmHWM (the process's lifetime peak) at its end. */
  rssPeakMiB: number | null;
  hwmMiB: number | null;
}

export type PollerEvent =
  | { type: 'ready' }
  | { type: 'watching' }
  | { type: 'begun' }
  | { type: 'silent'; forMs: number }
  | { type: 'window'; report: WindowReport };

const send = (event: PollerEvent) => process.send!(event);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asks one URL, one request at a time; records the requests of the open window. `queuedMs`, when
 * given, reads how long the answering process has waited for a CPU so far.
 */
class HealthLoop {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private stopped = false;
  outstanding: { sentAt: number; queuedAtSend: number } | undefined;
  /** The last 200, and the CPU queue reading then. */
  lastOk = { at: 0, queuedMs: 0 };
  finished: Array<{ sentAt: number; answeredAt: number; status: number; queuedMs: number }> = [];

  constructor(
    private readonly url: string,
    private readonly queuedMs: () => number = () => 0,
  ) {
    void this.run();
  }

  private async run() {
    while (!this.stopped) {
      const sent = (this.outstanding = { sentAt: performance.now(), queuedAtSend: this.queuedMs() });
      const status = await this.ask();
      const answeredAt = performance.now();
      this.outstanding = undefined;
      if (this.stopped) break;
      const queuedMs = this.queuedMs();
      if (status === 200) this.lastOk = { at: answeredAt, queuedMs };
      this.finished.push({ sentAt: sent.sentAt, answeredAt, status, queuedMs: Math.max(0, queuedMs - sent.queuedAtSend) });
      await sleep(POLL_INTERVAL_MS);
    }
  }

  private ask(): Promise<number> {
    return new Promise((resolve) => {
      const request = http.get(this.url, { agent: this.agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      });
      request.on('error', () => resolve(0));
    });
  }

  /** How long since the last 200 (or `since`, if later), less the time the server waited for a CPU meanwhile. */
  silentFor(since: { at: number; queuedMs: number }): number {
    const from = this.lastOk.at > since.at ? this.lastOk : since;
    return performance.now() - from.at - Math.max(0, this.queuedMs() - from.queuedMs);
  }

  /** The requests of [start, end], clipped to it. */
  waits(start: number, end: number): HealthWait[] {
    const done = this.finished
      .filter((r) => r.answeredAt >= start)
      .map((r) => ({ from: Math.max(r.sentAt, start), to: r.answeredAt, status: r.status, queuedMs: r.queuedMs }));
    if (!this.outstanding) return done;
    return [...done, { from: Math.max(this.outstanding.sentAt, start), to: end, queuedMs: Math.max(0, this.queuedMs() - this.outstanding.queuedAtSend) }];
  }

  forget() {
    this.finished = [];
  }

  stop() {
    this.stopped = true;
    this.agent.destroy();
  }
}

// The control answers 200 and nothing else; it exits when the poller's end of its stdin closes, so
// it never outlives the poller, however the poller ends.
const CONTROL_SERVER = `
  require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
  process.stdin.on('end', () => process.exit(0)).resume();`;

async function startControl(): Promise<HealthLoop> {
  const child = spawn(process.execPath, ['-e', CONTROL_SERVER], { stdio: ['pipe', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
  return new HealthLoop(`http://127.0.0.1:${port}/`);
}

/** How long the process's main thread (its event loop) has waited for a CPU, in ms: the scheduler's, not its own. */
function queuedForCpuMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return 0;
  }
}

function memoryMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 1024);
  } catch {
    return null;
  }
}

const control = await startControl();
let server: { loop: HealthLoop; pid: number } | undefined;
let window: { start: number; startQueuedMs: number; hangMs: number; told: boolean; rssPeak: number | null } | undefined;

setInterval(() => {
  if (!server || !window) return;
  const rss = memoryMiB(server.pid, 'VmRSS');
  if (rss !== null) window.rssPeak = Math.max(window.rssPeak ?? 0, rss);
  // Silent for the server's own doing: on a busy machine, waiting for a CPU does not count.
  const silentFor = server.loop.silentFor({ at: window.start, queuedMs: window.startQueuedMs });
  if (!window.told && silentFor > window.hangMs) {
    window.told = true;
    send({ type: 'silent', forMs: Math.round(silentFor) });
  }
}, POLL_INTERVAL_MS);

process.on('message', (command: PollerCommand) => {
  if (command.type === 'watch' || command.type === 'unwatch') {
    server?.loop.stop();
    const pid = command.type === 'watch' ? command.pid : 0;
    server = command.type === 'watch' ? { loop: new HealthLoop(`${command.base}/api/v1/health`, () => queuedForCpuMs(pid)), pid } : undefined;
    send({ type: 'watching' });
  } else if (command.type === 'begin') {
    server?.loop.forget();
    control.forget();
    window = {
      start: performance.now(),
      startQueuedMs: server ? queuedForCpuMs(server.pid) : 0,
      hangMs: command.hangMs,
      told: false,
      rssPeak: server ? memoryMiB(server.pid, 'VmRSS') : null,
    };
    send({ type: 'begun' });
  } else if (command.type === 'end' && server && window) {
    const end = performance.now();
    const rss = memoryMiB(server.pid, 'VmRSS');
    const waits = server.loop.waits(window.start, end);
    const controlWaits = control.waits(window.start, end);
    const answered = waits.filter((w) => w.status !== undefined);
    send({
      type: 'window',
      report: {
        ...stallFigures(waits, controlWaits.filter((w) => w.status !== undefined).map((w) => w.to), controlWaits),
        durationMs: end - window.start,
        longestGapMs: longestSilence(answered.map((w) => w.to), window.start, end),
        healthAnswers: answered.length,
        badStatuses: answered.filter((w) => w.status !== 200).map((w) => w.status!),
        pendingMs: Math.max(0, ...waits.filter((w) => w.status === undefined).map((w) => w.to - w.from)),
        rssPeakMiB: rss === null ? window.rssPeak : Math.max(window.rssPeak ?? 0, rss),
        hwmMiB: memoryMiB(server.pid, 'VmHWM'),
      },
    });
    window = undefined;
  }
});
// The test worker is gone (crashed, killed): take the server it left with it, hung or not, rather
// than leave it spinning. Only a pid still running the server, in case the number was reused.
process.on('disconnect', () => {
  try {
    if (server && readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').includes('dist/server/node.js')) process.kill(server.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  process.exit(0);
});
send({ type: 'ready' });
