// Pages: one study — its statistics and matrix, live progress, scoring, and each cell's samples.
import type { AppEnv } from '../app-env';
import { Hono, type Context } from 'hono';
import { getStudy } from './repository';
import { getGroup } from '../groups/repository';
import { cellCalls, itemsByIds, parseJsonColumn } from './report/repository';
import { serviceContext, type AppDeps } from '../deps';
import { AppError, notFound } from '../errors';
import { studyProgress } from './service';
import { rerunStudy } from './series/reruns';
import { studyRuns } from './series/runs';
import { itemPromptText } from './item-prompt';
import { targetTemplates } from './variants/prompt-variants';
import { keepRunning, recentScoringRuns, scoringProgress, startScoring } from './scoring/service';
import { studyReport } from './report/report-items';
import { expectedCounts, expectedGapMessage, expectedGaps } from './scoring/expected-gaps';
import { providerOptions } from '../pages/page-helpers';
import { studyStatistics } from './report/service';
import { CellPage, CellPanel } from '../../views/studies/study-cell';
import { ScoringRunView, StudyLive, StudyPage, StudyResults, type StudyQuery } from '../../views/studies/study';
import { ErrorBox } from '../../views/components/ui';
import { reportQuerySchema, scoreBodySchema, scoringRunParamSchema } from '../schemas/study-requests';
import { idParamSchema } from '../schemas/requests';
import { field, parseWith, readForm } from '../pages/form-input';

/** Items per page of the matrix: a page stays small however large the study. */
export const MATRIX_ITEMS = 50;

const EXAMPLE_SCORERS = [{ name: 'exact', type: 'normalized_exact' }];

const isHtmx = (c: Context) => c.req.header('hx-request') === 'true';

/** The page's query: links use scorer/version/field/value; the filter form sends scorer_version and slice. */
function studyQuery(c: Context): StudyQuery {
  const [pickedScorer, pickedVersion] = (c.req.query('scorer_version') ?? '').split('@');
  const slice = c.req.query('slice') ?? '';
  const eq = slice.indexOf('=');
  const raw = {
    scorer: c.req.query('scorer') || pickedScorer || undefined,
    version: c.req.query('version') || pickedVersion || undefined,
    disagree: c.req.query('disagree') || undefined,
    field: c.req.query('field') || (eq > 0 ? slice.slice(0, eq) : undefined),
    value: c.req.query('value') ?? (eq > 0 ? slice.slice(eq + 1) : undefined),
    offset: c.req.query('offset') || undefined,
  };
  const parsed = parseWith(reportQuerySchema, Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  return { scorer: parsed.scorer, version: parsed.version, disagree: parsed.disagree, field: parsed.field, value: parsed.value, offset: parsed.offset };
}

export function studyPages(deps: AppDeps) {
  const db = deps.database.db;
  const ctx = serviceContext(deps);
  const studyId = (raw: string) => {
    const parsed = idParamSchema.safeParse({ id: raw });
    if (!parsed.success) throw new AppError(404, 'not_found', 'no such study');
    return parsed.data.id;
  };
  const report = async (id: number, query: StudyQuery) => deps.scrub((await studyReport(db, id, { ...query, limit: MATRIX_ITEMS })).body);
  const scoringState = async (id: number) => {
    const found = await getStudy(db, id);
    const stored = (found?.study.optionsJson.scorers as Array<{ name: string; config: Record<string, unknown> }> | undefined) ?? [];
    const scorers = stored.length ? stored.map((s) => ({ name: s.name, ...s.config })) : EXAMPLE_SCORERS;
    const gaps = expectedGaps(stored.length ? stored : EXAMPLE_SCORERS.map((s) => ({ name: s.name, config: s })), await expectedCounts(db, id));
    return { runs: await recentScoringRuns(deps.scoring, id, 3), scorersText: JSON.stringify(scorers, null, 1), providers: providerOptions(deps), expectedGaps: gaps.map(expectedGapMessage) };
  };

  return new Hono<AppEnv>()
    .get('/studies/:id', async (c) => {
      const id = studyId(c.req.param('id'));
      // Study groups imported from v1 have calls but no study run: show them as plain groups.
      if (!(await getStudy(db, id)) && (await getGroup(db, id))) return c.redirect(`/groups/${id}`, 302);
      const query = studyQuery(c);
      const progress = await studyProgress(ctx, id);
      return c.html(<StudyPage progress={progress} body={await report(id, query)} query={query} scoring={await scoringState(id)} runs={await studyRuns(db, id)} />);
    })
    .post('/studies/:id/rerun', async (c) => c.redirect(`/studies/${(await rerunStudy(ctx, studyId(c.req.param('id')))).id}`, 303))
    .get('/studies/:id/live', async (c) => {
      const id = studyId(c.req.param('id'));
      const query = studyQuery(c);
      // A poll brings the results with the progress, read back to back in one request: the matrix and the progress line differ by
      // the tasks finished in between (milliseconds), not by a separate poll's five seconds.
      if (c.req.query('watch') !== '1') return c.html(<StudyLive progress={await studyProgress(ctx, id)} query={query} />);
      const body = await report(id, query);
      const progress = await studyProgress(ctx, id);
      return c.html(
        <>
          <StudyLive progress={progress} query={query} />
          <StudyResults id={id} body={body} query={query} running={progress.status === 'running'} oob />
        </>,
      );
    })
    .get('/studies/:id/results', async (c) => {
      const id = studyId(c.req.param('id'));
      const query = studyQuery(c);
      const progress = await studyProgress(ctx, id);
      return c.html(<StudyResults id={id} body={await report(id, query)} query={query} running={progress.status === 'running'} />);
    })
    .post('/studies/:id/score', async (c) => {
      const id = studyId(c.req.param('id'));
      const body = await readForm(c);
      try {
        const text = field(body, 'scorers');
        let scorers: unknown;
        try {
          scorers = text ? JSON.parse(text) : undefined;
        } catch {
          throw new AppError(400, 'invalid_request', 'scorers: not valid JSON (a list of scorers, e.g. [{"type": "exact"}])');
        }
        const input = parseWith(scoreBodySchema, scorers === undefined ? {} : { scorers });
        const { progress, work } = await startScoring(deps.scoring, id, input);
        keepRunning(c, work);
        if (!isHtmx(c)) return c.redirect(`/studies/${id}`, 303);
        return c.html(<ScoringRunView run={progress} />);
      } catch (error) {
        if (!(error instanceof AppError) || !isHtmx(c)) throw error;
        return c.html(<ErrorBox message={error.message} />, error.status);
      }
    })
    .get('/studies/:id/scoring/:run', async (c) => {
      const parsed = scoringRunParamSchema.safeParse(c.req.param());
      if (!parsed.success) throw new AppError(404, 'not_found', 'no such scoring run');
      const run = await scoringProgress(deps.scoring, parsed.data.id, parsed.data.run);
      return c.html(<ScoringRunView run={run} justFinished={c.req.query('watch') === '1' && run.status !== 'running'} />);
    })
    .get('/studies/:id/cells/:item/:target', async (c) => {
      const id = studyId(c.req.param('id'));
      const itemId = Number(c.req.param('item'));
      const target = Number(c.req.param('target'));
      const found = await getStudy(db, id);
      if (!found) throw notFound('study', id);
      const [item] = Number.isSafeInteger(itemId) ? await itemsByIds(db, id, [itemId]) : [];
      const targetDef = found.study.targetsJson[target];
      if (!item || !targetDef) throw new AppError(404, 'not_found', 'no such cell in this study');
      const query = studyQuery(c);
      const { statistics } = await studyStatistics(db, id, query);
      const scorer = statistics.scorer ? { name: statistics.scorer.name, version: statistics.scorer.version } : null;
      const props = {
        studyId: id,
        studyName: found.group.name,
        itemKey: item.item_key,
        prompt: itemPromptText(item, targetTemplates(found.study)[target] ?? null),
        expected: parseJsonColumn<unknown>(item.expected_json),
        target: statistics.targets[target]!.label,
        scorer,
        calls: await cellCalls(db, id, item.id, target, scorer),
      };
      const scrubbed = deps.scrub(props);
      return c.html(isHtmx(c) ? <CellPanel {...scrubbed} /> : <CellPage {...scrubbed} />);
    });
}
