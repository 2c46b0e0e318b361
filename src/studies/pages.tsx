// Pages: the study runner — upload or paste prompts, pick targets, a sweep and scorers, start.
import type { AppEnv } from '../app-env';
import { Hono } from 'hono';
import { serviceContext, type AppDeps } from '../deps';
import { AppError } from '../errors';
import { cancelStudy, listStudies, resumeStudy, startStudy, studyProgress } from './service';
import { studyItemsFrom, type StudyItem } from './items';
import { parseSweepLines } from './sweeps';
import { StudiesPage } from '../../views/studies/studies';
import { StudyLive } from '../../views/studies/study';
import { checkStudyBody, MAX_STUDY_FIELDS_CHARS } from './study-body';
import { idParamSchema } from '../schemas/requests';
import { field, formParams, formTargets, readUploadForm, uploadText, type FormBody } from '../pages/form-input';
import { providerOptions } from '../pages/page-helpers';
import { studyPages } from './study-page';

export function studiesPages(deps: AppDeps) {
  const ctx = serviceContext(deps);
  const recent = async () => (await listStudies(ctx, 20)).studies;
  const studyId = (raw: string) => {
    const parsed = idParamSchema.safeParse({ id: raw });
    if (!parsed.success) throw new AppError(404, 'not_found', 'no such study');
    return parsed.data.id;
  };

  return new Hono<AppEnv>()
    .get('/studies', async (c) => c.html(<StudiesPage providers={providerOptions(deps)} studies={await recent()} />))
    .post('/studies', async (c) => {
      const body = await readUploadForm(c);
      try {
        const file = body.file;
        const upload = file instanceof File && file.size > 0 ? file : undefined;
        const text = upload ? await uploadText(upload) : field(body, 'prompts');
        const items: StudyItem[] = await studyItemsFrom(deps.config.limits, text, upload?.name);
        if (items.length === 0) throw new AppError(400, 'invalid_request', 'prompts: paste prompts or upload a file');
        checkFieldsSize(body);
        const params = formParams(body);
        const template = field(body, 'template');
        const sweep = readField('sweep', () => parseSweepLines(field(body, 'sweep')));
        const scorers = readField('scorers', () => (field(body, 'scorers') ? (JSON.parse(field(body, 'scorers')) as unknown) : undefined));
        const fields = {
          ...(field(body, 'name') ? { name: field(body, 'name') } : {}),
          targets: formTargets(body).map((t) => ({ ...t, params })),
          samples: Number(field(body, 'samples') || 1),
          concurrency: Number(field(body, 'concurrency') || 8),
          ...(template ? { template } : {}),
          ...(sweep ? { sweep } : {}),
          ...(scorers !== undefined ? { scorers } : {}),
        };
        // Checked as POST /api/v1/studies checks a study, a slice of items at a time.
        const input = await checkStudyBody(fields, items.length, undefined, (i) => items[i]);
        const started = await startStudy(ctx, input);
        return c.redirect(`/studies/${started.id}`, 303);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return c.html(<StudiesPage providers={providerOptions(deps)} studies={await recent()} error={error.message} />, error.status);
      }
    })
    .route('/', studyPages(deps))
    .post('/studies/:id/cancel', async (c) => {
      const id = studyId(c.req.param('id'));
      await cancelStudy(ctx, id);
      return c.html(<StudyLive progress={await studyProgress(ctx, id)} />);
    })
    .post('/studies/:id/resume', async (c) => {
      const id = studyId(c.req.param('id'));
      await resumeStudy(ctx, id);
      return c.html(<StudyLive progress={await studyProgress(ctx, id)} />);
    });
}

/** The form's fields besides the items are small; parsed in one go (scorers JSON, sweep lines), they stay so. */
function checkFieldsSize(body: FormBody) {
  let chars = 0;
  for (const [key, value] of Object.entries(body)) {
    if (key === 'prompts') continue;
    for (const part of Array.isArray(value) ? value : [value]) if (typeof part === 'string') chars += part.length;
  }
  if (chars > MAX_STUDY_FIELDS_CHARS) {
    throw new AppError(413, 'payload_too_large', `form: the fields besides the prompts take more than ${MAX_STUDY_FIELDS_CHARS.toLocaleString('en-US')} characters`);
  }
}

/** A form field that must parse (sweep lines, scorers JSON): a 400 naming it when it does not. */
function readField<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new AppError(400, 'invalid_request', `${name}: ${error instanceof SyntaxError ? error.message : String(error)}`);
  }
}
