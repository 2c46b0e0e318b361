import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';

describe('capture-time cost from the in-memory price book', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const costOf = async (model: string) => {
    const { calls } = await (await t.post('/api/v1/inference', { provider: 'echo', model, prompt: 'one two three' })).json();
    const { call } = await (await t.get(`/api/v1/calls/${calls[0].id}`)).json();
    return { cost: call.cost_usd as number | null, tokens: call.tokens as { prompt: number; completion: number } };
  };

  it('leaves a call unpriced when no price is known, and prices the next call once a price is saved', async () => {
    expect((await costOf('priced-later')).cost).toBeNull();
    const saved = await t.post('/api/v1/prices', {
      provider: 'echo',
      model: 'priced-later',
      input_usd_per_million: 2,
      output_usd_per_million: 4,
      effective_from: '2020-01-01',
    });
    expect(saved.status).toBe(201);
    const { cost, tokens } = await costOf('priced-later');
    expect(cost).toBeCloseTo((tokens.prompt * 2 + tokens.completion * 4) / 1_000_000, 12);
  });

  it('uses the version in force at the time of the call', async () => {
    await t.post('/api/v1/prices', { provider: 'echo', model: 'versioned', input_usd_per_million: 1, output_usd_per_million: 1, effective_from: '2020-01-01' });
    await t.post('/api/v1/prices', { provider: 'echo', model: 'versioned', input_usd_per_million: 1000, output_usd_per_million: 1000, effective_from: '2999-01-01' });
    const { cost, tokens } = await costOf('versioned');
    expect(cost).toBeCloseTo((tokens.prompt + tokens.completion) / 1_000_000, 12);
  });
});
