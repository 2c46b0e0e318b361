// When a scheduled study runs next: its first slot one period after it is created, then every
// period after the slot that ran. Slots missed while no server was up are run once, not once each.
import type { Limits } from '../../config';
import { limitExceeded } from '../../limits';
import { durationMs, type StudySchedule } from '../../schemas/study-schedule';

/** A new study's schedule as stored, once its period is checked against STUDY_SCHEDULE_MIN_EVERY. */
export function firstSchedule(limits: Pick<Limits, 'scheduleMinEveryMs'>, schedule: StudySchedule, now: Date) {
  const every = periodMs(schedule.every);
  if (every < limits.scheduleMinEveryMs) {
    throw limitExceeded('schedule.every', `"${schedule.every}" is shorter than this server allows (${formatDuration(limits.scheduleMinEveryMs)})`, 'STUDY_SCHEDULE_MIN_EVERY');
  }
  return { every: schedule.every, nextRunAt: new Date(now.getTime() + every).toISOString() };
}

/** The slot after `dueAt` that is still ahead of `now` (a due slot's successor; missed slots are skipped). */
export function slotAfter(dueAt: string, every: string, now: Date): string {
  const period = periodMs(every);
  const due = Date.parse(dueAt);
  const periods = Math.max(1, Math.floor((now.getTime() - due) / period) + 1);
  return new Date(due + periods * period).toISOString();
}

function periodMs(every: string): number {
  const ms = durationMs(every);
  if (ms === undefined) throw new Error(`not a schedule period: ${every}`);
  return ms;
}

/** 90 000 ms → "1m 30s"; whole units as the schedule writes them. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
