// Changing a study's schedule after it is made: a new period (its first slot a period from now), or none.
import { notFound } from '../../errors';
import type { StudySchedule } from '../../schemas/study-schedule';
import { getStudy } from '../repository';
import { studyProgress, type StudyContext } from '../service';
import { saveSchedule, seriesOf } from './repository';
import { firstSchedule } from './schedule';

/** Schedules the study's series (given any run of it) every `schedule.every`, or stops it (null). Answers the first run's progress. */
export async function setStudySchedule(ctx: StudyContext, studyId: number, schedule: StudySchedule | null) {
  const found = await getStudy(ctx.db, studyId);
  if (!found) throw notFound('study', studyId);
  const seriesId = seriesOf(found.study);
  await saveSchedule(ctx.db, seriesId, schedule && firstSchedule(ctx.limits, schedule, new Date()));
  return studyProgress(ctx, seriesId);
}
