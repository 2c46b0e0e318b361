// The stall figure: a health wait counts as the server's except where the idle control went silent too.
import { describe, expect, it } from 'vitest';
import { longestSilence, stallFigures, POLL_INTERVAL_MS } from './stall-window';

/** A control that answers every POLL_INTERVAL_MS from `from` to `to`, except during `pauses`. */
const controlAnswers = (from: number, to: number, pauses: Array<[number, number]> = []) =>
  Array.from({ length: Math.floor((to - from) / POLL_INTERVAL_MS) + 1 }, (_, i) => from + i * POLL_INTERVAL_MS).filter(
    (at) => !pauses.some(([start, end]) => at > start && at < end),
  );
const waitsOf = (answers: number[]) => answers.slice(1).map((to, i) => ({ from: answers[i]! + 1, to, status: 200 }));

describe('stallFigures', () => {
  it('counts a wait the control answered through as the server stall, less one polling interval of rhythm', () => {
    const control = controlAnswers(0, 1_000);
    const figures = stallFigures([{ from: 100, to: 101, status: 200 }, { from: 200, to: 700, status: 200 }], control, waitsOf(control));
    expect(figures.longestWaitMs).toBe(500);
    // The control's longest silence inside [200, 700] is one interval: nothing to take off.
    expect(figures.stallMs).toBe(500);
    expect(figures.noiseMs).toBe(POLL_INTERVAL_MS - 1);
  });

  it('takes off the part of a wait the control was silent through too (the machine or the poller paused)', () => {
    const control = controlAnswers(0, 1_000, [[300, 600]]);
    const figures = stallFigures([{ from: 310, to: 610, status: 200 }], control, waitsOf(control));
    expect(figures.longestWaitMs).toBe(300);
    expect(figures.stallMs).toBeLessThanOrEqual(2 * POLL_INTERVAL_MS);
    expect(figures.noiseMs).toBeGreaterThan(250);
  });

  it('still counts a server stall that outlasts a shorter pause of the control', () => {
    const control = controlAnswers(0, 2_000, [[500, 650]]);
    const figures = stallFigures([{ from: 400, to: 1_400 }], control, waitsOf(control));
    expect(figures.stallMs).toBeGreaterThan(850);
    expect(figures.stallMs).toBeLessThanOrEqual(1_000);
  });

  it("takes off the time the server's event loop waited for a CPU (a busy machine), not the time it worked", () => {
    const control = controlAnswers(0, 1_000);
    const waits = [{ from: 100, to: 400, status: 200, queuedMs: 180 }];
    expect(stallFigures(waits, control, waitsOf(control))).toMatchObject({ longestWaitMs: 300, stallMs: 120, queuedMs: 180 });
  });

  it('finds the longest silence from the start of the stretch, between answers, and to its end', () => {
    expect(longestSilence([10, 20, 90], 0, 100)).toBe(70);
    expect(longestSilence([], 0, 100)).toBe(100);
    expect(longestSilence([-5, 50, 200], 40, 60)).toBe(10);
  });
});
