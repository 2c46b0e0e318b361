// Node: checks for due scheduled studies every STUDY_SCHEDULE_CHECK_MS (and once at start, so a slot
// that came due while the server was down runs as soon as it is back). Checks never overlap; which
// server starts a due run is decided in the database (studies/series/scheduler.ts), not here.
import { runScheduledWork, type ScheduleWork } from '../studies/series/scheduler';

export interface ScheduleTimer {
  /** No check starts after this; resolves once the one under way (if any) has ended. */
  stop(): Promise<void>;
}

export function startScheduleTimer(work: ScheduleWork, options: { everyMs: number; now?: () => Date }): ScheduleTimer {
  const now = options.now ?? (() => new Date());
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<void> = Promise.resolve();
  const check = () => {
    current = runScheduledWork(work, now())
      .then(() => undefined)
      .catch((error) => work.ctx.logger.error({ event: 'schedule_check_error', error: work.ctx.redact(String(error)) }))
      .finally(() => {
        if (!stopped) timer = setTimeout(check, options.everyMs);
        timer?.unref?.();
      });
  };
  check();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
