// The order a study's tasks run in: a pure function of the study's seed and shape, so resume goes on
// in the same order and every server agrees. Items and samples come in a seeded random order, and
// each round runs the same (item, sample) on every target, so a study cut short at any point holds a
// random sample of its items, answered by every target alike — not its first items only, nor
// different items per target. With collapse_samples, an item's samples stay side by side (they can
// only share a call while in flight together), and items come in random order.

/** What the order depends on besides the seed. */
export interface StudyShape {
  items: number;
  targets: number;
  samples: number;
  collapseSamples: boolean;
}

/** A fresh seed for a study (stored with it: the same seed and shape give the same order). */
export function newRunSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/**
 * The task to run at each position, by ordinal (item order: (item position × samples + sample) ×
 * targets + target). Positions are taken a block at a time — T tasks, the targets of one (item,
 * sample), or with collapsed samples S × T, every task of one item — blocks in a seeded random order.
 */
export function runOrder(seed: number, shape: StudyShape): (position: number) => number {
  const block = shape.collapseSamples ? shape.samples * shape.targets : shape.targets;
  const blocks = shape.collapseSamples ? shape.items : shape.items * shape.samples;
  const shuffle = seededPermutation(seed, blocks);
  return (position) => shuffle(Math.floor(position / block)) * block + (position % block);
}

const ROUNDS = 6;
const MAX_DOMAIN_BITS = 30;

/**
 * A seeded permutation of [0, n), computed one value at a time with nothing held: a balanced Feistel
 * network over the smallest even number of bits covering n (its round function the MurmurHash3
 * finaliser of the half and a round key drawn from the seed), with values ≥ n walked on through the
 * network until they fall inside (fewer than four steps on average, as the domain is under 4n).
 */
export function seededPermutation(seed: number, n: number): (i: number) => number {
  if (!Number.isInteger(n) || n < 0 || n > 2 ** MAX_DOMAIN_BITS) throw new RangeError(`a permutation of ${n} values`);
  let bits = 2;
  while (2 ** bits < n) bits += 2;
  const half = bits / 2;
  const mask = 2 ** half - 1;
  const keys = roundKeys(seed);
  const encrypt = (x: number) => {
    let left = x >>> half;
    let right = x & mask;
    for (const key of keys) {
      const next = (left ^ fmix32(right ^ key)) & mask;
      left = right;
      right = next;
    }
    return left * 2 ** half + right;
  };
  return (i) => {
    if (!(i >= 0 && i < n)) throw new RangeError(`${i} is outside [0, ${n})`);
    let value = encrypt(i);
    while (value >= n) value = encrypt(value);
    return value;
  };
}

/** Round keys from the seed (splitmix32 steps: distinct seeds give unrelated keys). */
function roundKeys(seed: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: ROUNDS }, () => {
    state = (state + 0x9e3779b9) >>> 0;
    return fmix32(state);
  });
}

/** MurmurHash3's 32-bit finaliser: every input bit flips each output bit with probability about ½. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
