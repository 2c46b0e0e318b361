// Prices: the versioned table the dashboard prices calls with. A version applies from 00:00 UTC of its
// effective_from date until the next version of the same provider/model; correcting one re-prices
// every call it covers, earlier ones included (the dashboard prices at query time).
import type { Database } from '../db/client';
import { listPriceVersions, upsertPriceVersion, type PriceVersion } from './prices-repository';
import type { PriceBook } from './price-book';

export interface PriceInput {
  provider: string;
  model: string;
  input_usd_per_million: number;
  output_usd_per_million: number;
  /** 'YYYY-MM-DD' (UTC). */
  effective_from: string;
}

const priceJson = (p: Omit<PriceVersion, 'in_force'> & { in_force?: number }) => ({
  id: p.id,
  provider: p.provider,
  model: p.model,
  input_usd_per_million: p.input_usd_per_million,
  output_usd_per_million: p.output_usd_per_million,
  effective_from: p.effective_from,
  created_at: p.created_at,
  ...(p.in_force !== undefined ? { in_force: Boolean(p.in_force) } : {}),
});

export type PriceJson = ReturnType<typeof priceJson>;

export async function listPrices(ctx: { db: Database }, filters: { provider?: string; model?: string } = {}, now = new Date()) {
  const rows = await listPriceVersions(ctx.db, filters, now.toISOString().slice(0, 10));
  return rows.map(priceJson);
}

export async function savePrice(ctx: { db: Database; prices?: PriceBook }, input: PriceInput) {
  const { price, created } = await upsertPriceVersion(ctx.db, {
    provider: input.provider,
    model: input.model,
    inputUsdPerMillion: input.input_usd_per_million,
    outputUsdPerMillion: input.output_usd_per_million,
    effectiveFrom: input.effective_from,
  });
  ctx.prices?.invalidate();
  return {
    created,
    price: priceJson({
      id: price.id,
      provider: price.provider,
      model: price.model,
      input_usd_per_million: price.inputUsdPerMillion,
      output_usd_per_million: price.outputUsdPerMillion,
      effective_from: price.effectiveFrom,
      created_at: price.createdAt,
    }),
  };
}
