// A study's schedule, `"schedule": {"every": "7d"}`: the study runs again that often (studies/series/).
import { z } from 'zod';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^([1-9]\d{0,5})([mhd])$/;
/** The longest period a schedule may have: a year. */
export const MAX_SCHEDULE_EVERY_MS = 366 * UNIT_MS.d;

/** "30m", "12h", "7d" in milliseconds; undefined for anything else. */
export function durationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}

export const studyScheduleSchema = z
  .object({
    every: z
      .string()
      .regex(DURATION, 'a whole number and a unit: m (minutes), h (hours) or d (days), e.g. "7d"')
      .refine((every) => (durationMs(every) ?? 0) <= MAX_SCHEDULE_EVERY_MS, 'at most 366d')
      .meta({ description: 'How often the study runs again: minutes (m), hours (h) or days (d), e.g. "7d"; at least STUDY_SCHEDULE_MIN_EVERY (default 1h)' }),
  })
  .strict()
  .meta({ description: 'Runs the study again on a schedule: each run is a re-run of this one, compared with the run before it' });

export type StudySchedule = z.output<typeof studyScheduleSchema>;
