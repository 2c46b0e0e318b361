// What each target's tasks cost, looked up once per run (prices and model histories), then applied to
// every task: the runners reserve a task at this cost before it starts (see budget-repository.ts).
import type { PriceBook } from '../../analytics/price-book';
import { findPriceInForce, type PriceInForce } from '../../analytics/prices-repository';
import type { Database } from '../../db/client';
import type { StudyTarget } from '../../db/schema';
import { scanText, type ScannedText } from '../../inference/prompt-fill';
import { targetTemplates, type TemplatedStudy } from '../variants/prompt-variants';
import { modelHistory } from './history-repository';
import { inputTokens, reservedOutputTokens, tokensCostUsd, type ModelHistory, type TaskPromptParts } from './task-cost';

export interface PricingContext {
  db: Database;
  prices?: PriceBook;
}

/** The price in force now for a provider/model, as capture would price a call made now. */
export async function priceNow(ctx: PricingContext, provider: string, model: string): Promise<PriceInForce | undefined> {
  const now = new Date().toISOString();
  return ctx.prices ? ctx.prices.priceAt(provider, model, now) : findPriceInForce(ctx.db, provider, model, now);
}

/** Each distinct provider/model of the targets once, with its price and history. */
export async function targetFacts(ctx: PricingContext, targets: readonly StudyTarget[]) {
  const byModel = new Map<string, Promise<{ price: PriceInForce | undefined; history: ModelHistory }>>();
  const facts = targets.map((target) => {
    const key = `${target.provider}\u0000${target.model}`;
    let found = byModel.get(key);
    if (!found) {
      found = Promise.all([priceNow(ctx, target.provider, target.model), modelHistory(ctx.db, target.provider, target.model)]).then(([price, history]) => ({ price, history }));
      byModel.set(key, found);
    }
    return found;
  });
  return Promise.all(facts);
}

/** The reservation of one task under a spending cap, in USD. */
export type TaskCost = (task: TaskPromptParts & { targetIndex: number }) => number;

export async function taskCostPlan(ctx: PricingContext, study: TemplatedStudy): Promise<TaskCost> {
  const facts = await targetFacts(ctx, study.targetsJson);
  // Each target's own template: its prompt variant's, or the study's one.
  const scanned = new Map<string | null, ScannedText | null>();
  const templates = targetTemplates(study).map((template) => {
    if (!scanned.has(template)) scanned.set(template, template ? scanText(template) : null);
    return scanned.get(template)!;
  });
  const perTarget = study.targetsJson.map((target, i) => ({ price: facts[i]!.price, output: reservedOutputTokens(target.params, facts[i]!.history) }));
  return (task) => {
    const target = perTarget[task.targetIndex]!;
    return tokensCostUsd(target.price, inputTokens(task, templates[task.targetIndex]!), target.output);
  };
}
