// Node: a graceful stop on SIGTERM/SIGINT. Nothing that reached a provider is lost: new requests are
// refused, calls in flight finish and are captured (or, after SHUTDOWN_GRACE_MS, are cancelled and
// captured as failed), queued rows are written, running batches are left `interrupted` (resume goes
// on where they stopped), and only then does the process exit.
import type { ServerType } from '@hono/node-server';
import type { AppDeps } from './deps';

/** Seconds within which a repeated signal is the same request: npm and the terminal both deliver one Ctrl-C. */
const SAME_SIGNAL_MS = 1000;
/** After the grace period, how long cancelled calls get to be captured as failed. */
const CANCELLED_CAPTURE_MS = 5000;
/** How long answers already made may take to reach their clients before the last connections are cut. */
const CLOSING_CONNECTIONS_MS = 2000;

export interface ShutdownOptions {
  server: ServerType;
  deps: AppDeps;
  /** Called first: the server answers every new request with 503 from now on. */
  refuseNewRequests: () => void;
  exit?: (code: number) => void;
}

export function installShutdown(options: ShutdownOptions) {
  let startedAt: number | undefined;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const onSignal = (signal: NodeJS.Signals) => {
    if (startedAt === undefined) {
      startedAt = Date.now();
      void shutdown(options, signal).then(
        () => exit(0),
        (error) => {
          options.deps.logger.error({ event: 'shutdown_error', error: options.deps.redact(String(error)) });
          exit(1);
        },
      );
    } else if (Date.now() - startedAt > SAME_SIGNAL_MS) {
      options.deps.logger.error({ event: 'shutdown_forced', signal, in_flight: options.deps.lifecycle.inFlight });
      exit(1);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function shutdown({ server, deps, refuseNewRequests }: ShutdownOptions, signal: NodeJS.Signals) {
  const { lifecycle, logger } = deps;
  const deadline = Date.now() + deps.config.shutdownGraceMs;
  refuseNewRequests();
  logger.info({ event: 'shutdown_started', signal, in_flight: lifecycle.inFlight, grace_ms: deps.config.shutdownGraceMs });
  const http = server as ServerType & { closeIdleConnections?: () => void; closeAllConnections?: () => void };
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  http.closeIdleConnections?.();

  const batchesStopped = deps.batches.interruptAll?.('the server was shut down; resume to run the rest');
  const finished = await lifecycle.settled(deadline);
  if (!finished) {
    logger.error({ event: 'shutdown_cancelling', in_flight: lifecycle.inFlight });
    lifecycle.stop();
    await lifecycle.settled(Date.now() + CANCELLED_CAPTURE_MS);
  }
  await batchesStopped;
  await deps.writer.drain();
  // The last answers are still being written to their sockets: let them go out before closing.
  const closeIdle = setInterval(() => http.closeIdleConnections?.(), 50);
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, CLOSING_CONNECTIONS_MS))]);
  clearInterval(closeIdle);
  http.closeAllConnections?.();
  deps.database.close();
  logger.info({ event: 'shutdown_complete', calls_cancelled: !finished });
}
