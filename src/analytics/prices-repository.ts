// The versioned price table: which price was in force for a provider/model at a moment.
import { and, desc, eq, lte, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { modelPrices } from '../db/schema';

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

export interface PriceVersion {
  id: number;
  provider: string;
  model: string;
  input_usd_per_million: number;
  output_usd_per_million: number;
  effective_from: string;
  created_at: string;
  /** The version in force today for its provider/model. */
  in_force: number;
}

/** Every version, newest first within each provider/model. */
export async function listPriceVersions(db: Database, filters: { provider?: string; model?: string }, today: string) {
  return db.all<PriceVersion>(sql`
    SELECT id, provider, model, input_usd_per_million, output_usd_per_million, effective_from, created_at,
           effective_from = max(CASE WHEN effective_from <= ${today} THEN effective_from END)
             OVER (PARTITION BY provider, model) AS in_force
      FROM model_prices
     WHERE 1 = 1
       ${filters.provider ? sql`AND provider = ${filters.provider}` : sql``}
       ${filters.model ? sql`AND model = ${filters.model}` : sql``}
     ORDER BY provider, model, effective_from DESC`);
}

/** Adds a version, or corrects the one with the same provider, model and effective_from. */
export async function upsertPriceVersion(
  db: Database,
  price: { provider: string; model: string; inputUsdPerMillion: number; outputUsdPerMillion: number; effectiveFrom: string },
) {
  const [existing] = await db
    .select({ id: modelPrices.id })
    .from(modelPrices)
    .where(and(eq(modelPrices.provider, price.provider), eq(modelPrices.model, price.model), eq(modelPrices.effectiveFrom, price.effectiveFrom)));
  const [row] = await db
    .insert(modelPrices)
    .values(price)
    .onConflictDoUpdate({
      target: [modelPrices.provider, modelPrices.model, modelPrices.effectiveFrom],
      set: { inputUsdPerMillion: price.inputUsdPerMillion, outputUsdPerMillion: price.outputUsdPerMillion },
    })
    .returning();
  return { price: row!, created: !existing };
}
