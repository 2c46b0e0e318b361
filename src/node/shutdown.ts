// Node: a graceful stop on SIGTERM/SIGINT, over within SHUTDOWN_GRACE_MS. Nothing that reached a
// provider is lost: new requests are answered 503 (the server keeps listening until the end, so a
// request already on its way is answered, not reset), calls in flight finish and are captured (or,
// near the end of the grace period, are cancelled and captured as failed), queued rows are written,
// running studies are left `interrupted` (resume goes on where they stopped), and only then do the
// connections close and the process exit.
import type { ServerType } from '@hono/node-server';
import type { AppDeps } from '../deps';

/** Seconds within which a repeated signal is the same request: npm and the terminal both deliver one Ctrl-C. */
const SAME_SIGNAL_MS = 1000;
/**
 * The end of the grace period kept for winding down: cancelled calls are captured as failed in its
 * first half, answers already made reach their clients in its second. A quarter of the grace period,
 * at most this.
 */
const WIND_DOWN_MS = 2000;

export interface ShutdownOptions {
  server: ServerType;
  deps: AppDeps;
  /** Called first: the server answers every new request with 503 from now on. */
  refuseNewRequests: () => void;
  /** Background timers (the schedule check): stopped before anything else winds down. */
  stopTimers?: () => Promise<void>;
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

/** When each step of a stop must be over, from the grace period: the last is the exit. */
export function shutdownDeadlines(startedAt: number, graceMs: number) {
  const windDown = Math.min(WIND_DOWN_MS, Math.floor(graceMs / 4));
  const exitBy = startedAt + graceMs;
  return { callsFinishBy: exitBy - windDown, cancelledCapturedBy: exitBy - Math.floor(windDown / 2), exitBy };
}

async function shutdown({ server, deps, refuseNewRequests, stopTimers }: ShutdownOptions, signal: NodeJS.Signals) {
  const { lifecycle, logger } = deps;
  const deadlines = shutdownDeadlines(Date.now(), deps.config.shutdownGraceMs);
  refuseNewRequests();
  logger.info({ event: 'shutdown_started', signal, in_flight: lifecycle.inFlight, grace_ms: deps.config.shutdownGraceMs });
  await stopTimers?.();

  const studiesStopped = deps.studies.interruptAll?.('the server was shut down; resume to run the rest');
  const finished = await lifecycle.settled(deadlines.callsFinishBy);
  if (!finished) {
    logger.error({ event: 'shutdown_cancelling', in_flight: lifecycle.inFlight });
    lifecycle.stop();
    await lifecycle.settled(deadlines.cancelledCapturedBy);
  }
  await studiesStopped;
  await deps.writer.drain();
  await closeConnections(server, deadlines.exitBy);
  deps.database.close();
  logger.info({ event: 'shutdown_complete', calls_cancelled: !finished });
}

/**
 * Only now is the listener closed: until here every request that arrived got its 503 (closing it
 * earlier resets the connections still waiting to be accepted). Idle connections close at once; the
 * last answers still being written get until `exitBy`.
 */
async function closeConnections(server: ServerType, exitBy: number) {
  const http = server as ServerType & { closeIdleConnections?: () => void; closeAllConnections?: () => void };
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  http.closeIdleConnections?.();
  const closeIdle = setInterval(() => http.closeIdleConnections?.(), 50);
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, Math.max(0, exitBy - Date.now())))]);
  clearInterval(closeIdle);
  http.closeAllConnections?.();
}
