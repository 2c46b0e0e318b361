// Prices in memory for capture: every captured call is priced, and a query per call would cost
// more than the insert. Reloaded after a price is saved here, and at most every TTL otherwise
// (another process may have edited the table).
import { asc } from 'drizzle-orm';
import type { Database } from '../db/client';
import type { PriceInForce } from './prices-repository';
import { modelPrices } from '../db/schema';

interface Version extends PriceInForce {
  effectiveFrom: string;
}

export class PriceBook {
  private versions: Map<string, Version[]> | undefined;
  private loading: Promise<Map<string, Version[]>> | undefined;
  private loadedAt = 0;

  constructor(
    private readonly db: Database,
    private readonly ttlMs = 30_000,
  ) {}

  /** The price in force at `at` (ISO time): the latest version effective at or before it. */
  async priceAt(provider: string, model: string, at: string): Promise<PriceInForce | undefined> {
    const versions = (await this.current()).get(`${provider}\u0000${model}`);
    let found: Version | undefined;
    for (const v of versions ?? []) if (v.effectiveFrom <= at) found = v;
    return found;
  }

  invalidate() {
    this.versions = undefined;
  }

  private async current() {
    if (this.versions && Date.now() - this.loadedAt < this.ttlMs) return this.versions;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load() {
    const rows = await this.db.select().from(modelPrices).orderBy(asc(modelPrices.effectiveFrom));
    const versions = new Map<string, Version[]>();
    for (const row of rows) {
      const key = `${row.provider}\u0000${row.model}`;
      if (!versions.has(key)) versions.set(key, []);
      versions.get(key)!.push({ effectiveFrom: row.effectiveFrom, inputUsdPerMillion: row.inputUsdPerMillion, outputUsdPerMillion: row.outputUsdPerMillion });
    }
    this.versions = versions;
    this.loadedAt = Date.now();
    return versions;
  }
}
