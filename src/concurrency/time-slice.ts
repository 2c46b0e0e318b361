// Long work on the event loop, done in slices: a loop calls the slicer at each step, and once a slice
// of time has passed it waits one turn of the event loop, so requests that arrived meanwhile run.
// Embedded libSQL and CPU-bound steps (hashing, generating vectors) would otherwise hold the loop
// for as long as the whole job takes.
const SLICE_MS = 10;

/** Resolves after one turn of the event loop (what is waiting to run runs first). */
export const nextTurn = () => new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

export type Slicer = () => Promise<void> | undefined;

export function timeSlicer(sliceMs = SLICE_MS): Slicer {
  let sliceStart = performance.now();
  return () => {
    if (performance.now() - sliceStart < sliceMs) return undefined;
    return nextTurn().then(() => {
      sliceStart = performance.now();
    });
  };
}
