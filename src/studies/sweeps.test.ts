import { describe, expect, it } from 'vitest';
import { expandSweep, parseSweepLines, sweepCombinationCount, sweepCombinations, targetLabels } from './sweeps';

describe('sweeps', () => {
  it('expands a parameter grid, the first parameter varying slowest', () => {
    const sweep = { temperature: [0, 0.7, 1.0], top_p: [1, 0.9] };
    expect(sweepCombinationCount(sweep)).toBe(6);
    expect(sweepCombinations(sweep)).toEqual([
      { temperature: 0, top_p: 1 },
      { temperature: 0, top_p: 0.9 },
      { temperature: 0.7, top_p: 1 },
      { temperature: 0.7, top_p: 0.9 },
      { temperature: 1, top_p: 1 },
      { temperature: 1, top_p: 0.9 },
    ]);
  });

  it('runs every target once per combination, swept values overriding its own params and recorded', () => {
    const targets = [
      { provider: 'echo', model: 'echo-1', params: { temperature: 2, seed: 7 } },
      { provider: 'openai', model: 'gpt-test', params: {} },
    ];
    const expanded = expandSweep(targets, { temperature: [0, 1] });
    expect(expanded).toEqual([
      { provider: 'echo', model: 'echo-1', params: { temperature: 0, seed: 7 }, sweep: { temperature: 0 } },
      { provider: 'echo', model: 'echo-1', params: { temperature: 1, seed: 7 }, sweep: { temperature: 1 } },
      { provider: 'openai', model: 'gpt-test', params: { temperature: 0 }, sweep: { temperature: 0 } },
      { provider: 'openai', model: 'gpt-test', params: { temperature: 1 }, sweep: { temperature: 1 } },
    ]);
    expect(expandSweep(targets, undefined)).toEqual(targets);
  });

  it('labels targets by their sweep values, and tells apart targets that would read the same', () => {
    expect(
      targetLabels([
        { provider: 'echo', model: 'echo-1', sweep: { temperature: 0.7, stop: 'END' } },
        { provider: 'echo', model: 'echo-1' },
        { provider: 'echo', model: 'echo-1' },
      ]),
    ).toEqual(['echo/echo-1 · temperature=0.7 stop=END', 'echo/echo-1 #2', 'echo/echo-1 #3']);
  });

  it('reads the form: one parameter per line, numbers and booleans as such', () => {
    expect(parseSweepLines('temperature = 0, 0.7, 1\n\n top_p=1,0.9 \nlogprobs = true, false\nreasoning_effort = low, high')).toEqual({
      temperature: [0, 0.7, 1],
      top_p: [1, 0.9],
      logprobs: [true, false],
      reasoning_effort: ['low', 'high'],
    });
    expect(parseSweepLines('  \n')).toBeUndefined();
    expect(() => parseSweepLines('temperature 0.7')).toThrow(/line 1/);
  });

  it('refuses a sweep line naming anything but a plain parameter, and a parameter given twice, rather than dropping it', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      expect(() => parseSweepLines(`temperature = 0, 1\n${name} = 1, 2`)).toThrow(new RegExp(`^sweep line 2: "${name}": "${name}" is not a sampling parameter`));
    }
    expect(() => parseSweepLines('top p = 1, 0.9')).toThrow(/^sweep line 1: "top p": parameter names are letters, digits and _/);
    expect(() => parseSweepLines('seed = 1\r\nseed = 2')).toThrow(/^sweep line 2: seed is swept on line 1 already/);
    expect(parseSweepLines('temperature = 0, 1\rtop_p = 1')).toEqual({ temperature: [0, 1], top_p: [1] });
    expect(Object.getPrototypeOf(parseSweepLines('seed = 1'))).toBe(Object.prototype);
  });
});
