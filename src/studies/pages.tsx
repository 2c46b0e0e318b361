// Pages: the study runner — upload or paste prompts, pick targets, a sweep and scorers, start.
import type { AppEnv } from '../app-env';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { serviceContext, type AppDeps } from '../deps';
import { AppError } from '../errors';
import { cancelStudy, listStudies, resumeStudy, startStudy, studyProgress } from './service';
import { studyItemsFrom, type StudyItem } from './items';
import { parseSweepLines } from './sweeps';
import { StudiesPage, type StudiesPageProps } from '../../views/studies/studies';
import { StudyLive } from '../../views/studies/study';
import { checkStudyBody, MAX_STUDY_FIELDS_CHARS } from './study-body';
import { idParamSchema } from '../schemas/requests';
import {
  checkFormParamNames,
  field,
  fieldAsTyped,
  formAllowsUnknownParams,
  formParams,
  formTargets,
  formValues,
  readUploadForm,
  uploadText,
  type FormBody,
} from '../pages/form-input';
import { ScorerPreviewResult, ScorersField } from '../../views/studies/scorer-builder';
import { addScorerToField, previewSampleFromBuilder, scorerFromBuilder } from './scorer-builder';
import { previewScorer } from './scorers/preview';
import type { StudyInput } from '../schemas/study-requests';
import { providerOptions } from '../pages/page-helpers';
import { studyPages } from './study-page';
import { studyChartPages } from './chart-page';
import { budgetFormFields, estimating } from './budget/form-fields';
import { estimateStudy } from './budget/estimate';
import { studyBudgetPages } from './budget/pages';
import { StudyEstimateBox } from '../../views/studies/runs/budget';
import { reviewPages } from './review-page';
import { studyScorerPages } from './study-scorer-pages';
import { latestHeadlines } from './series/runs';

export function studiesPages(deps: AppDeps) {
  const ctx = serviceContext(deps);
  const recent = async () => (await listStudies(ctx, 20)).studies;
  const withLatest = async () => {
    const studies = await recent();
    return { studies, latest: await latestHeadlines(deps.database.db, studies.map((s) => s.id)) };
  };
  const studyId = (raw: string) => {
    const parsed = idParamSchema.safeParse({ id: raw });
    if (!parsed.success) throw new AppError(404, 'not_found', 'no such study');
    return parsed.data.id;
  };

  /** The Studies page, filled in with what was sent when it comes back (an error, a builder button without htmx). */
  const page = async (c: Context, body: FormBody | undefined, extra: Partial<StudiesPageProps> = {}, status: ContentfulStatusCode = 200) =>
    c.html(<StudiesPage providers={providerOptions(deps)} {...await withLatest()} values={body && formValues(body)} {...extra} />, status);
  const isHtmx = (c: Context) => c.req.header('hx-request') === 'true';

  return new Hono<AppEnv>()
    .get('/studies', (c) => page(c, undefined))
    .post('/studies', async (c) => {
      const body = await readUploadForm(c);
      try {
        const file = body.file;
        const upload = file instanceof File && file.size > 0 ? file : undefined;
        // As typed: a leading tab is an empty prompt cell, not whitespace to trim.
        const text = upload ? await uploadText(upload) : fieldAsTyped(body, 'prompts');
        const items: StudyItem[] = await studyItemsFrom(deps.config.limits, text, upload?.name);
        if (items.length === 0) throw new AppError(400, 'invalid_request', 'prompts: paste prompts or upload a file');
        checkFieldsSize(body);
        const params = formParams(body);
        const template = field(body, 'template');
        const sweep = readField('sweep', () => parseSweepLines(field(body, 'sweep')));
        checkFormParamNames(body, params, sweep);
        const scorers = readField('scorers', () => (field(body, 'scorers') ? (JSON.parse(field(body, 'scorers')) as unknown) : undefined));
        const allowUnknown = formAllowsUnknownParams(body) ? { allow_unknown_params: true } : {};
        const fields = {
          ...(field(body, 'name') ? { name: field(body, 'name') } : {}),
          targets: formTargets(body).map((t) => ({ ...t, params, ...allowUnknown })),
          samples: Number(field(body, 'samples') || 1),
          concurrency: Number(field(body, 'concurrency') || 8),
          ...(template ? { template } : {}),
          ...(sweep ? { sweep } : {}),
          ...(scorers !== undefined ? { scorers } : {}),
          ...budgetFormFields(body),
        };
        // Checked as POST /api/v1/studies checks a study, a slice of items at a time.
        const input = await checkStudyBody(fields, items.length, undefined, (i) => items[i]);
        checkScorersHaveExpected(input);
        if (estimating(body)) return isHtmx(c) ? c.html(<StudyEstimateBox estimate={await estimateStudy(ctx, input)} />) : page(c, body, { estimate: await estimateStudy(ctx, input) });
        const started = await startStudy(ctx, input);
        return c.redirect(`/studies/${started.id}`, 303);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        if (estimating(body) && isHtmx(c)) return c.html(<StudyEstimateBox error={error.message} />, error.status);
        return page(c, body, { error: error.message }, error.status);
      }
    })
    // The scorer builder's "Add scorer": its scorer appended to the scorers field (checked as the API checks it).
    .post('/studies/scorers', async (c) => {
      const body = await readUploadForm(c);
      const given = fieldAsTyped(body, 'scorers');
      try {
        checkFieldsSize(body);
        const text = addScorerToField(given, scorerFromBuilder(body));
        return isHtmx(c) ? c.html(<ScorersField text={text} />) : page(c, body, { scorers: text });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        if (isHtmx(c)) return c.html(<ScorersField text={given} error={error.message} />, error.status);
        return page(c, body, { scorersError: error.message }, error.status);
      }
    })
    // The builder's preview: its scorer run on the sample answer by the real scorer (model scorers are not run).
    .post('/studies/scorer-preview', async (c) => {
      const body = await readUploadForm(c);
      try {
        checkFieldsSize(body);
        const preview = previewScorer(scorerFromBuilder(body), [previewSampleFromBuilder(body)]);
        return isHtmx(c) ? c.html(<ScorerPreviewResult preview={preview} />) : page(c, body, { preview });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        if (isHtmx(c)) return c.html(<ScorerPreviewResult error={error.message} />, error.status);
        return page(c, body, { previewError: error.message }, error.status);
      }
    })
    .route('/', studyPages(deps))
    .route('/', studyChartPages(deps))
    .route('/', studyBudgetPages(deps))
    .route('/', reviewPages(deps))
    .route('/', studyScorerPages(deps))
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

/** Scorers that compare with expected answers score nothing in a study none of whose prompts has one: refused on the form. */
const COMPARING_SCORERS = new Set(['exact', 'normalized_exact', 'contains', 'numeric', 'semantic']);

function checkScorersHaveExpected(input: StudyInput) {
  const comparing = (input.scorers ?? []).findIndex((scorer) => COMPARING_SCORERS.has(scorer.config.type));
  if (comparing === -1 || input.items.some((item) => item.expected !== undefined)) return;
  const scorer = input.scorers![comparing]!;
  throw new AppError(
    400,
    'invalid_request',
    `scorers.${comparing}: "${scorer.name}" (${scorer.config.type}) compares answers with expected answers, and no prompt has one: write prompt<TAB>expected lines, or upload a CSV with an expected column`,
    [{ path: `scorers.${comparing}`, message: 'needs expected answers' }],
  );
}

/** A form field that must parse (sweep lines, scorers JSON): a 400 naming it when it does not. */
function readField<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new AppError(400, 'invalid_request', `${name}: ${error instanceof SyntaxError ? error.message : String(error)}`);
  }
}
