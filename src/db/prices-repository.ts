// The versioned price table: which price was in force for a provider/model at a moment.
import { and, desc, eq, lte } from 'drizzle-orm';
import type { Database } from './client';
import { modelPrices } from './schema';

export interface PriceInForce {
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
}

export async function findPriceInForce(db: Database, provider: string, model: string, at: string) {
  const [row] = await db
    .select({ inputUsdPerMillion: modelPrices.inputUsdPerMillion, outputUsdPerMillion: modelPrices.outputUsdPerMillion })
    .from(modelPrices)
    .where(and(eq(modelPrices.provider, provider), eq(modelPrices.model, model), lte(modelPrices.effectiveFrom, at)))
    .orderBy(desc(modelPrices.effectiveFrom))
    .limit(1);
  return row as PriceInForce | undefined;
}

export function priceTokens(price: PriceInForce | undefined, prompt: number | null, completion: number | null) {
  if (!price || (prompt == null && completion == null)) return null;
  return ((prompt ?? 0) * price.inputUsdPerMillion + (completion ?? 0) * price.outputUsdPerMillion) / 1_000_000;
}
