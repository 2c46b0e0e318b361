// Measures how long a server (a process of its own) leaves GET /api/v1/health unanswered while some
// work runs against it. The polling happens in a separate small process (health-poller.ts), so the
// test worker's own scheduling never counts; see stall-window.ts for how machine-wide pauses are told
// apart from the server's.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PollerCommand, PollerEvent, WindowReport } from './health-poller';

export type { WindowReport } from './health-poller';

export interface Measured<T> {
  report: WindowReport;
  value?: T;
  error?: unknown;
  /** Why the work was cut short: health silent past hangMs, the cap, or the server gone. */
  cutShort?: string;
}

export interface MeasureOptions {
  /** Cut the work short once health has gone unanswered this long. */
  hangMs: number;
  /** Cut the work short after this long whatever happens. */
  capMs: number;
  /** Settles when the server process exits. */
  exited?: Promise<unknown>;
}

export interface StallProbe {
  /** Polls this server from now on (the control is polled throughout); none with no argument. */
  watch(server?: { base: string; pid: number }): Promise<void>;
  /** Runs `work` while measuring; `work` must give up when the signal aborts. */
  measure<T>(work: (signal: AbortSignal) => Promise<T>, options: MeasureOptions): Promise<Measured<T>>;
  close(): void;
}

export async function startStallProbe(): Promise<StallProbe> {
  const child = fork(fileURLToPath(new URL('./health-poller.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const listeners = new Set<(event: PollerEvent) => void>();
  child.on('message', (event: PollerEvent) => listeners.forEach((listener) => { listener(event); }));
  const next = <K extends PollerEvent['type']>(type: K) =>
    new Promise<Extract<PollerEvent, { type: K }>>((resolve, reject) => {
      const listener = (event: PollerEvent) => {
        if (event.type !== type) return;
        listeners.delete(listener);
        child.off('exit', gone);
        resolve(event as Extract<PollerEvent, { type: K }>);
      };
      const gone = () => reject(new Error(`the health poller exited while waiting for "${type}"`));
      listeners.add(listener);
      child.once('exit', gone);
    });
  const command = (message: PollerCommand) => child.send(message);
  await next('ready');

  return {
    async watch(server) {
      const watching = next('watching');
      command(server ? { type: 'watch', ...server } : { type: 'unwatch' });
      await watching;
    },
    async measure(work, { hangMs, capMs, exited }) {
      const controller = new AbortController();
      let open = true;
      let cutShort: string | undefined;
      const cut = (reason: string) => {
        if (!open || cutShort) return;
        cutShort = reason;
        controller.abort(new Error(reason));
      };
      const begun = next('begun');
      command({ type: 'begin', hangMs });
      await begun;
      const onSilent = (event: PollerEvent) => event.type === 'silent' && cut(`health went unanswered for ${event.forMs.toLocaleString('en-US')} ms of the server's own time`);
      listeners.add(onSilent);
      const cap = setTimeout(() => cut(`still running after the ${capMs} ms cap`), capMs);
      void exited?.then(() => cut('the server process exited'));
      const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason)));
      aborted.catch(() => undefined);
      let value: Awaited<ReturnType<typeof work>> | undefined;
      let error: unknown;
      try {
        value = await Promise.race([work(controller.signal), aborted]);
      } catch (caught) {
        error = caught;
      } finally {
        open = false;
        clearTimeout(cap);
        listeners.delete(onSilent);
      }
      const ended = next('window');
      command({ type: 'end' });
      return { report: (await ended).report, value, error, cutShort };
    },
    close() {
      child.kill('SIGKILL');
    },
  };
}
