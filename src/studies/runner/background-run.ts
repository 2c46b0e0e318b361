// What every background run of a study shares — running its tasks and scoring its answers, in this
// process (Node) or through the queue (Workers): who runs it and whether that runner is still alive,
// the terms on which a dead run's claim may be taken over, the heartbeat that keeps a claim alive,
// one backoff gate per provider, how far it has got, and the refusal of a provider that is not
// configured. The claims themselves are conditional writes in the repositories (runs-repository
// for study runs, scoring/repository for scoring runs), both built on `runIsTakeable` there.
import { BackoffGate } from '../../concurrency/backoff-gate';
import type { RetryHooks } from '../../capture/retry';
import { AppError } from '../../errors';
import { resolveProvider } from '../../inference/service';
import type { ProviderRegistry } from '../../providers/registry';
import type { Provider } from '../../providers/types';
import { currentRunner, parseRunner, runnerIsGone, type RunnerIdentity } from './runner-identity';

/** Who runs background work, as recorded on each run (batches.runner, scoring_runs.runner). */
export interface RunHost {
  /** How this host's runs are recorded: the process identity as JSON, or "queue". */
  readonly runner: string;
  /** A run whose heartbeat is older than this is taken to be dead (interrupted, and its claim free). */
  readonly staleAfterMs: number;
  /** Whether the runner recorded on a run is known to be gone already (a killed process on this host). */
  runIsGone(run: { runner: string | null }): boolean;
}

/** An in-process run refreshes its heartbeat this often… */
export const PROCESS_HEARTBEAT_MS = 5_000;
/** …and is taken to be dead once it is this old. */
export const PROCESS_STALE_MS = 30_000;
/**
 * A queue run has no process to check on: only its progress tells it is alive. Workers stop a queue
 * consumer after 15 minutes of wall time, so a run with no progress for that long has lost its messages.
 */
export const QUEUE_STALE_MS = 15 * 60_000;
/** A piece of queue work taken this long ago by a consumer that never finished it may be taken again. */
export const QUEUE_LEASE_MS = 15 * 60_000;

export interface ProcessHost extends RunHost {
  readonly identity: RunnerIdentity;
}

/**
 * Runs in this process. A run recorded by another process on this host is gone once /proc no longer
 * has it (or has a zombie, or another process under its pid); a run of this very app instance is
 * never declared dead here: it may have been claimed a moment ago and not be launched yet (should one
 * be left behind, its heartbeat goes stale).
 */
export function processHost(options: { identity?: RunnerIdentity; staleAfterMs?: number } = {}): ProcessHost {
  const identity = options.identity ?? currentRunner();
  return {
    identity,
    runner: JSON.stringify(identity),
    staleAfterMs: options.staleAfterMs ?? PROCESS_STALE_MS,
    runIsGone(run) {
      const other = parseRunner(run.runner);
      if (!other || other.instance === identity.instance) return false;
      return runnerIsGone(other, identity);
    },
  };
}

/** Runs through a Cloudflare Queue: alive while they make progress. */
export const queueHost: RunHost = { runner: 'queue', staleAfterMs: QUEUE_STALE_MS, runIsGone: () => false };

/** A run recorded as active is alive unless its runner is known to be gone or its heartbeat is stale. */
export function isRunAlive(host: Pick<RunHost, 'staleAfterMs' | 'runIsGone'>, run: { runner: string | null; heartbeatAt: string | null }, now = Date.now()): boolean {
  if (host.runIsGone(run)) return false;
  const beat = run.heartbeatAt ? Date.parse(run.heartbeatAt) : Number.NaN;
  return !Number.isNaN(beat) && now - beat <= host.staleAfterMs;
}

/** On what terms a claim may take a study's run over: its heartbeat is older than `staleBefore`, or it is one of `deadRunIds`. */
export interface Takeover {
  staleBefore: string;
  deadRunIds: Array<string | number>;
}

/** The takeover terms for claiming against `holders`, the runs that may hold the claim now. */
export function takeoverOf(
  host: Pick<RunHost, 'staleAfterMs' | 'runIsGone'>,
  holders: Array<{ runId: string | number | null; runner: string | null }>,
  now = Date.now(),
): Takeover {
  return {
    staleBefore: new Date(now - host.staleAfterMs).toISOString(),
    deadRunIds: holders.flatMap((run) => (run.runId !== null && host.runIsGone(run) ? [run.runId] : [])),
  };
}

/**
 * Keeps a run's claim alive: `beat` every `everyMs` until the returned stop is called. A beat that
 * fails is reported and the next one tried: a claim goes stale only when its process is gone.
 */
export function startHeartbeat(everyMs: number, beat: () => Promise<void>, onError: (error: unknown) => void): () => void {
  const timer = setInterval(() => void beat().catch(onError), everyMs);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}

/** One backoff gate per provider, shared by the calls of a run running side by side: a 429 pauses them all until Retry-After. */
export class ProviderGates {
  private readonly gates = new Map<string, BackoffGate>();

  gate(provider: string): BackoffGate {
    let gate = this.gates.get(provider);
    if (!gate) this.gates.set(provider, (gate = new BackoffGate()));
    return gate;
  }

  /** The retry hooks of a call to `provider`: wait while its gate is closed, close it on a 429. */
  retryHooks(provider: string): RetryHooks {
    const gate = this.gate(provider);
    return {
      beforeAttempt: () => gate.wait(),
      onRetry: ({ error, delayMs }) => {
        if (error.status === 429) gate.pause(delayMs);
      },
    };
  }
}

/**
 * The provider named at `path` (a study target, a judge), or a 400 `unknown_provider` naming that
 * field. Background work checks its providers before anything is written or called, and again when
 * it runs: a provider removed from the configuration since stops the run.
 */
export function configuredProvider(providers: ProviderRegistry, name: string, path: string): Provider {
  try {
    return resolveProvider(providers, name);
  } catch (error) {
    if (error instanceof AppError && error.code === 'unknown_provider') {
      throw new AppError(400, 'unknown_provider', `${path}: ${error.message.replace(/^provider: /, '')}`, [{ path, message: `unknown provider "${name}"` }]);
    }
    throw error;
  }
}

/** Share of the work done, in percent with one decimal (100 when there is none). */
export function percentDone(done: number, total: number): number {
  return total ? Math.min(100, Math.round((done / total) * 1000) / 10) : 100;
}
