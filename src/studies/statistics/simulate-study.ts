// Seeded simulated studies with known true accuracy, for checking that intervals cover it.
import { mulberry32 } from './seeded-random';
import type { ItemTally } from './accuracy';
import { requireCount } from './numerics/input-checks';

/**
 * One simulated study: item i's k samples each pass independently with probability
 * passProbabilities[i] (drawn with mulberry32 from `seed`). The same arguments always give the
 * same tallies.
 */
export function simulateItemTallies(passProbabilities: readonly number[], samplesPerItem: number, seed: number): ItemTally[] {
  requireCount(samplesPerItem, 'samplesPerItem');
  const random = mulberry32(seed);
  return passProbabilities.map((probability, i) => {
    if (!(probability >= 0 && probability <= 1)) throw new RangeError(`passProbabilities[${i}] must be between 0 and 1, got ${probability}`);
    let passed = 0;
    for (let s = 0; s < samplesPerItem; s++) if (random() < probability) passed += 1;
    return { passed, samples: samplesPerItem };
  });
}
