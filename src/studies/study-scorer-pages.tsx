// Pages: the scorer builder on a study's page — its preview scores a few of the study's captured
// answers against their items' expected answers with the built scorer (no model is called).
import type { AppEnv } from '../app-env';
import { Hono } from 'hono';
import type { AppDeps } from '../deps';
import { AppError, notFound } from '../errors';
import { idParamSchema } from '../schemas/requests';
import { readUploadForm } from '../pages/form-input';
import { getStudy } from './repository';
import { parseJsonColumn } from './report/repository';
import { previewAnswers } from './scoring/repository';
import { scorerFromBuilder } from './scorer-builder';
import { MAX_PREVIEW_ANSWER_CHARS, previewScorer } from './scorers/preview';
import { ScorerPreviewResult } from '../../views/studies/scorer-builder';

/** Captured answers a preview scores: enough to see the scorer pass and fail, few enough to read. */
export const PREVIEW_ANSWERS = 5;

export function studyScorerPages(deps: AppDeps) {
  const db = deps.database.db;
  return new Hono<AppEnv>().post('/studies/:id/scorer-preview', async (c) => {
    const parsed = idParamSchema.safeParse({ id: c.req.param('id') });
    if (!parsed.success) throw new AppError(404, 'not_found', 'no such study');
    if (!(await getStudy(db, parsed.data.id))) throw notFound('study', parsed.data.id);
    const body = await readUploadForm(c);
    try {
      const scorer = scorerFromBuilder(body);
      const rows = await previewAnswers(db, parsed.data.id, PREVIEW_ANSWERS, MAX_PREVIEW_ANSWER_CHARS);
      const samples = rows.map((row) => {
        const expected = parseJsonColumn<unknown>(row.expected_json);
        return { answer: row.answer, ...(expected == null ? {} : { expected }) };
      });
      const preview = previewScorer(scorer, samples);
      if (preview.previewed && samples.length === 0) return c.html(<ScorerPreviewResult error="This study has no captured answer yet to preview the scorer on." />);
      return c.html(<ScorerPreviewResult preview={deps.scrub(preview)} />);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return c.html(<ScorerPreviewResult error={error.message} />, error.status);
    }
  });
}
