// How long a server left health unanswered during a window of time, less what the machine did.
// Health is asked for one request at a time, POLL_INTERVAL_MS after each answer. Two parts of a
// wait are not the server's doing, and are taken off:
// - the server's event-loop thread was ready to run but waited for a CPU (the kernel's schedstat):
//   on a busy machine the same work takes longer in wall time;
// - an idle control process, asked the same way alongside, went silent too: the poller itself (or
//   the whole machine) paused, so the answer was late to be seen.
// The larger of the two is taken off (they may overlap). What is left is time the server spent
// working (or blocked) instead of answering.

export const POLL_INTERVAL_MS = 20;

/** One health request: when it was sent and answered (clipped to the window), and with what (0: no connection). */
export interface HealthWait {
  from: number;
  to: number;
  /** Undefined: still unanswered when the window ended. */
  status?: number;
  /** How long the server's event-loop thread waited for a CPU meanwhile. */
  queuedMs?: number;
}

export interface StallFigures {
  /** The longest health wait less the parts that were not the server's doing (see above). */
  stallMs: number;
  /** The longest health wait as measured. */
  longestWaitMs: number;
  /** The longest time the server's event-loop thread waited for a CPU during one health wait. */
  queuedMs: number;
  /** The control's longest wait in the window: the noise floor at that moment. */
  noiseMs: number;
}

/** `controlAnswers`: times the control answered; `controlWaits`: its requests, like the server's. */
export function stallFigures(waits: HealthWait[], controlAnswers: number[], controlWaits: HealthWait[]): StallFigures {
  const answers = [...controlAnswers].sort((a, b) => a - b);
  let stallMs = 0;
  let longestWaitMs = 0;
  let queuedMs = 0;
  for (const { from, to, queuedMs: queued = 0 } of waits) {
    const waited = to - from;
    longestWaitMs = Math.max(longestWaitMs, waited);
    queuedMs = Math.max(queuedMs, queued);
    const pollerPause = Math.max(0, longestSilence(answers, from, to) - POLL_INTERVAL_MS);
    stallMs = Math.max(stallMs, waited - Math.max(pollerPause, queued));
  }
  const noiseMs = Math.max(0, ...controlWaits.map(({ from, to }) => to - from));
  return { stallMs, longestWaitMs, queuedMs, noiseMs };
}

/** The longest stretch of [from, to] in which the control did not answer. */
export function longestSilence(sortedAnswers: number[], from: number, to: number): number {
  let longest = 0;
  let last = from;
  for (const at of sortedAnswers) {
    if (at <= from) continue;
    if (at >= to) break;
    longest = Math.max(longest, at - last);
    last = at;
  }
  return Math.max(longest, to - last);
}
