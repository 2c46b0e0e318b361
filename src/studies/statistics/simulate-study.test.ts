import { describe, expect, it } from 'vitest';
import { simulateItemTallies } from './simulate-study';

describe('simulated studies', () => {
  it('are reproducible for a seed and differ for another', () => {
    const probabilities = [0.1, 0.5, 0.9, 0.3];
    const first = simulateItemTallies(probabilities, 10, 7);
    expect(simulateItemTallies(probabilities, 10, 7)).toEqual(first);
    expect(simulateItemTallies(probabilities, 10, 8)).not.toEqual(first);
    expect(first.every((item) => item.samples === 10 && item.passed >= 0 && item.passed <= 10)).toBe(true);
  });

  it('pass each sample with the item probability', () => {
    expect(simulateItemTallies([0, 1], 25, 1)).toEqual([{ passed: 0, samples: 25 }, { passed: 25, samples: 25 }]);
    const many = simulateItemTallies(Array(2000).fill(0.3), 10, 3);
    const share = many.reduce((sum, item) => sum + item.passed, 0) / 20_000;
    expect(Math.abs(share - 0.3)).toBeLessThan(4 * Math.sqrt(0.21 / 20_000));
  });

  it('refuse probabilities outside [0, 1]', () => {
    expect(() => simulateItemTallies([0.5, 1.2], 3, 1)).toThrow(/passProbabilities\[1\]/);
  });
});
