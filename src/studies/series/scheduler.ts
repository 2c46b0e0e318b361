// Scheduled studies, checked by a timer on Node (node/schedule-timer.ts) and by the Cron Trigger on
// Workers (worker.ts `scheduled`): due slots are claimed by compare-and-set and started as re-runs,
// and scheduled runs that have completed are scored (with the study's scorers) and checked for drift.
import { AppError } from '../../errors';
import { getStudy } from '../repository';
import type { StudyContext } from '../service';
import { recentScoringRuns, startScoring, type ScoringExecutor } from '../scoring/service';
import { postDriftNotice, type DriftSummary, type WebhookTarget } from './drift-webhook';
import { claimDriftCheck, releaseDriftCheck, claimScheduleSlot, dueSchedules, previousRun, releaseScheduleSlot, uncheckedScheduledRuns } from './repository';
import { rerunStudy } from './reruns';
import { slotAfter } from './schedule';

/** Due schedules (and finished runs) handled per check: a backlog is worked off over a few checks. */
const PER_CHECK = 20;

export interface ScheduleWork {
  ctx: StudyContext;
  scoring: ScoringExecutor;
  /** The drift report of a run against its baseline; without it, scheduled runs are not checked for drift. */
  driftSummary?: DriftSummary;
  webhook?: WebhookTarget;
  /** Workers: keeps background work (a scoring run) alive past the handler (ctx.waitUntil). */
  keep?: (work: Promise<unknown>) => void;
  fetch?: typeof fetch;
}

export interface StartedRun {
  study: number;
  run: number;
  slot: string;
}

/**
 * Starts a re-run for every schedule due at `now`. Each slot is claimed first (next_run_at moved on,
 * only if it still reads the slot), so two schedulers never both start it. A run that could not be
 * created for a passing reason (the database) gives its slot back; one refused for good (a provider
 * no longer configured) skips that slot, and says why in the log.
 */
export async function startDueRuns(work: Pick<ScheduleWork, 'ctx'>, now: Date): Promise<StartedRun[]> {
  const { ctx } = work;
  const started: StartedRun[] = [];
  for (const due of await dueSchedules(ctx.db, now.toISOString(), PER_CHECK)) {
    const next = slotAfter(due.dueAt, due.every, now);
    if (!(await claimScheduleSlot(ctx.db, due.id, due.dueAt, next))) continue;
    try {
      const run = await rerunStudy(ctx, due.id, {}, due.dueAt);
      started.push({ study: due.id, run: run.id, slot: due.dueAt });
      ctx.logger.info({ event: 'scheduled_run_started', batch_id: due.id, run_id: run.id, slot: due.dueAt, next_run_at: next });
    } catch (error) {
      const refused = error instanceof AppError && error.status < 500;
      if (!refused) await releaseScheduleSlot(ctx.db, due.id, due.dueAt, next).catch(() => undefined);
      ctx.logger.error({ event: 'scheduled_run_error', batch_id: due.id, slot: due.dueAt, skipped: refused, error: ctx.redact(String(error)) });
    }
  }
  return started;
}

/**
 * Completed scheduled runs: scored with the study's scorers first (when it has some), then their
 * drift against the previous run of the series is computed once and, if anything drifted, sent.
 * Without a drift service the run is marked checked once scored. Answers the runs checked.
 */
export async function checkFinishedRuns(work: ScheduleWork, now: Date): Promise<number[]> {
  const { ctx } = work;
  const checked: number[] = [];
  for (const run of await uncheckedScheduledRuns(ctx.db, PER_CHECK)) {
    const baseline = await previousRun(ctx.db, run.seriesId, run.id);
    // Both runs scored (the baseline too: a series' first run may never have been), or one of them
    // cannot be: then the run is checked without a drift report, so it does not hold up the others.
    const states = [await scoredState(work, run.id), baseline === undefined ? 'scored' : await scoredState(work, baseline)];
    if (states.includes('pending')) continue;
    const claimedAt = now.toISOString();
    if (!(await claimDriftCheck(ctx.db, run.id, claimedAt))) continue;
    checked.push(run.id);
    if (states.includes('refused')) {
      ctx.logger.error({ event: 'scheduled_run_drift_skipped', run_id: run.id, baseline_id: baseline ?? null, reason: 'a run could not be scored' });
      continue;
    }
    if (baseline === undefined || !work.driftSummary) continue;
    let outcome: Awaited<ReturnType<DriftSummary>>;
    try {
      outcome = await work.driftSummary(run.id, baseline);
    } catch (error) {
      // Refused for good (a 4xx: the runs cannot be compared) stays checked; anything else is tried again.
      const refused = error instanceof AppError && error.status < 500;
      if (!refused) await releaseDriftCheck(ctx.db, run.id, claimedAt).catch(() => undefined);
      ctx.logger.error({ event: 'scheduled_run_drift_error', run_id: run.id, retried: !refused, error: ctx.redact(String(error)) });
      continue;
    }
    ctx.logger.info({ event: 'scheduled_run_drift', batch_id: run.seriesId, run_id: run.id, baseline_id: baseline, drifted: outcome.drifted });
    if (!outcome.drifted || !work.webhook) continue;
    try {
      const found = await getStudy(ctx.db, run.id);
      await postDriftNotice(
        work.webhook,
        { event: 'study.drift', series_id: run.seriesId, run_id: run.id, baseline_id: baseline, scheduled_for: found?.study.scheduledFor ?? null, name: found?.group.name ?? '', summary: outcome.summary },
        ctx,
        work.fetch,
      );
    } catch (error) {
      ctx.logger.error({ event: 'scheduled_run_drift_error', run_id: run.id, error: ctx.redact(String(error)) });
    }
  }
  return checked;
}

/**
 * Whether the run's scores are in ('scored': no scorers, or its scoring run has ended), still to come
 * ('pending': scoring started now or running), or cannot come ('refused': scoring it was refused).
 */
async function scoredState(work: ScheduleWork, runId: number): Promise<'scored' | 'pending' | 'refused'> {
  const found = await getStudy(work.ctx.db, runId);
  if (!(found?.study.optionsJson.scorers as unknown[] | undefined)?.length) return 'scored';
  const [latest] = await recentScoringRuns(work.scoring, runId, 1);
  if (latest !== undefined) return latest.status === 'running' ? 'pending' : 'scored';
  try {
    const { work: finished } = await startScoring(work.scoring, runId, { concurrency: 4 });
    work.keep?.(finished);
    return 'pending';
  } catch (error) {
    // Another scheduler started it first (409): pending. Refused (another 4xx): for good.
    if (error instanceof AppError && error.status === 409) return 'pending';
    work.ctx.logger.error({ event: 'scheduled_run_scoring_error', run_id: runId, error: work.ctx.redact(String(error)) });
    return error instanceof AppError && error.status < 500 ? 'refused' : 'pending';
  }
}

/** One check: due runs started, finished ones checked. */
export async function runScheduledWork(work: ScheduleWork, now: Date) {
  const started = await startDueRuns(work, now);
  const checked = await checkFinishedRuns(work, now);
  return { started, checked };
}
