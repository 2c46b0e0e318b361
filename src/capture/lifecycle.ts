// Provider calls in flight, so a stopping server can let them finish and be captured, and — once its
// grace period is over — cancel the rest, which are then captured as failed, never dropped.
import { ProviderError } from '../providers/types';

export class Lifecycle {
  private readonly active = new Set<Promise<unknown>>();
  // Controllers of the calls in flight (with how many tracked pieces of work use each). Held here,
  // not as listeners on one long-lived signal, so nothing accumulates as calls come and go.
  private readonly controllers = new Map<AbortController, number>();
  private stopped = false;

  /** Whether the server has stopped waiting and cancelled what was left. */
  get stopping(): boolean {
    return this.stopped;
  }

  get inFlight(): number {
    return this.active.size;
  }

  /** Counts `work` as in flight until it settles (its capture included); `stop()` aborts `controller` meanwhile. */
  track<T>(work: Promise<T>, controller?: AbortController): Promise<T> {
    this.active.add(work);
    if (controller) {
      if (this.stopped) controller.abort();
      this.controllers.set(controller, (this.controllers.get(controller) ?? 0) + 1);
    }
    const settle = () => {
      this.active.delete(work);
      if (!controller) return;
      const uses = (this.controllers.get(controller) ?? 1) - 1;
      if (uses > 0) this.controllers.set(controller, uses);
      else this.controllers.delete(controller);
    };
    work.then(settle, settle);
    return work;
  }

  /** Resolves true once nothing is in flight, false if `deadline` (ms since the epoch) comes first. */
  async settled(deadline: number): Promise<boolean> {
    while (this.active.size) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await Promise.race([Promise.allSettled([...this.active]), new Promise((resolve) => setTimeout(resolve, Math.min(left, 100)))]);
    }
    return true;
  }

  /** Cancels every provider call still running (and any started from now on). */
  stop() {
    this.stopped = true;
    for (const controller of this.controllers.keys()) controller.abort();
  }
}

/** What a call cancelled by a stopping server is captured as. */
export const serverStopping = () =>
  new ProviderError('ServerShutdown', 'The server was shutting down and cancelled the call before its answer came', { retryable: false });

/** A controller that also aborts when `signal` (a request's, short-lived) does. */
export function controllerFollowing(signal?: AbortSignal): AbortController {
  const controller = new AbortController();
  if (signal?.aborted) controller.abort();
  else signal?.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}
