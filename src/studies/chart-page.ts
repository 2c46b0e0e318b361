// Page route: a study's accuracy chart as an SVG file (/studies/:id/chart.svg), with the item-clustered
// 95% intervals as error bars; made from the same report as /api/v1/studies/:id/report.
import type { AppEnv } from '../app-env';
import { Hono } from 'hono';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { idParamSchema } from '../schemas/requests';
import { reportQuerySchema } from '../schemas/study-requests';
import { parseWith } from '../pages/form-input';
import { studyReport } from './report/report-items';
import { accuracyChartSvgFile } from '../../views/studies/files/accuracy-chart-svg';

/** The query the chart takes: which scorer version, and how intervals are clustered (as /report takes them). */
const CHART_QUERY = ['scorer', 'version', 'cluster_by'] as const;

export function studyChartPages(deps: AppDeps) {
  const db = deps.database.db;
  return new Hono<AppEnv>().get('/studies/:id/chart.svg', async (c) => {
    const parsed = idParamSchema.safeParse({ id: c.req.param('id') });
    if (!parsed.success) throw new AppError(404, 'not_found', 'no such study');
    const id = parsed.data.id;
    const given = Object.fromEntries(CHART_QUERY.flatMap((key) => (c.req.query(key) === undefined ? [] : [[key, c.req.query(key)]])));
    // No items: the chart needs the per-target figures only.
    const query = { ...parseWith(reportQuerySchema, given), limit: 0 };
    const { body } = await studyReport(db, id, query);
    const { targets, name, scorer } = deps.scrub(body);
    const by = scorer ? `${scorer.name} v${scorer.version}` : 'no scorer';
    const svg = await accuracyChartSvgFile({ targets, title: `${name}: accuracy over items (${by}), item-clustered 95% intervals` });
    return c.body(svg, 200, {
      'content-type': 'image/svg+xml; charset=utf-8',
      'content-disposition': `inline; filename="study-${id}-accuracy.svg"`,
      'cache-control': 'no-store',
    });
  });
}
