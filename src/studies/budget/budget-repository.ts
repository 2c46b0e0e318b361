// SQL for a study's spending cap. The spend is kept on the study row by a trigger as each call is
// captured; a task starts only once its estimated cost is reserved there by one conditional UPDATE
// (spend + reserved + estimate ≤ cap), so however many runners share the database, the tasks in
// flight and the spend never pass the cap together.
import { and, eq, isNotNull, notInArray, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { batches } from '../../db/schema';
import { ACTIVE_STATUSES } from '../runner/runs-repository';

/** Sums of floating-point dollars may land a hair above a cap they meet exactly. */
const EPSILON_USD = 1e-9;

/** Reserves `usd` for a task about to start: true when the cap (if any) leaves room for it. */
export async function reserveStudyCost(db: Database, studyId: number, usd: number): Promise<boolean> {
  const rows = await db
    .update(batches)
    .set({ reservedUsd: sql`${batches.reservedUsd} + ${usd}` })
    .where(
      and(
        eq(batches.groupId, studyId),
        sql`(${batches.budgetUsd} IS NULL OR ${batches.spentUsd} + ${batches.reservedUsd} + ${usd} <= ${batches.budgetUsd} + ${EPSILON_USD})`,
      ),
    )
    .returning({ id: batches.groupId });
  return rows.length === 1;
}

/** Gives back a task's reservation once its call is captured (its cost is in the spend by then) or it did not run. */
export async function releaseStudyCost(db: Database, studyId: number, usd: number) {
  await db
    .update(batches)
    .set({ reservedUsd: sql`max(0, ${batches.reservedUsd} - ${usd})` })
    .where(eq(batches.groupId, studyId));
}

/** A run just claimed owns the study: reservations left by a run that died with tasks in flight are void. */
export async function clearStudyReservations(db: Database, studyId: number) {
  await db.update(batches).set({ reservedUsd: 0 }).where(eq(batches.groupId, studyId));
}

/** Sets (or with null removes) the cap. Answers the study's budget, or undefined when there is no such study. */
/**
 * Sets the cap, in one statement with its condition: a cap is added to a study that had none only
 * while no run of it is active (a run started without a cap reserves nothing), so a resume racing
 * this cannot start an uncapped run under a cap. Undefined when that condition refused it.
 */
export async function setStudyBudget(db: Database, studyId: number, budgetUsd: number | null) {
  const addsCap = budgetUsd !== null;
  const [row] = await db
    .update(batches)
    .set({ budgetUsd })
    .where(
      and(
        eq(batches.groupId, studyId),
        addsCap ? or(isNotNull(batches.budgetUsd), notInArray(batches.status, [...ACTIVE_STATUSES])) : undefined,
      ),
    )
    .returning({ budgetUsd: batches.budgetUsd, spentUsd: batches.spentUsd, reservedUsd: batches.reservedUsd });
  return row;
}
