// A small seeded PRNG, so that a bootstrap run with the same seed gives the same interval anywhere.

/**
 * Mulberry32 (Tommy Ettinger, public domain), as published in bryc's "PRNGs.md" collection:
 * 32 bits of state, period 2^32, floats in [0, 1) with 32 bits of resolution. Not for
 * cryptography; ample for resampling a few thousand items a few thousand times. The seed is
 * taken modulo 2^32. Changing this generator changes every stored bootstrap interval, which
 * is why a test pins its first outputs.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
