// Pages: the analytics dashboard (with its search fragment) and the price table.
import { Hono } from 'hono';
import { serviceContext, type AppDeps } from '../deps';
import { AppError } from '../errors';
import { analyticsSummary, providerComparison, recentActivity, searchAll, timeSeries } from './service';
import { listPrices, savePrice } from './prices';
import { AnalyticsPage, SearchResults } from '../../views/analytics/analytics';
import { PricesPage, type PriceFormValues } from '../../views/analytics/prices';
import { priceBodySchema, searchQuerySchema, timeseriesQuerySchema } from '../schemas/requests';
import { field, parseWith, readForm } from '../pages/form-input';
import type { AppEnv } from '../app-env';

const RECENT_SHOWN = 20;
const HITS_SHOWN = 20;

export function analyticsPages(deps: AppDeps) {
  const ctx = serviceContext(deps);
  const search = async (q: string) => {
    try {
      return { hits: await searchAll(ctx, parseWith(searchQuerySchema, { q, limit: HITS_SHOWN })) };
    } catch (error) {
      if (error instanceof AppError) return { hits: [], error: error.message };
      throw error;
    }
  };
  const today = () => new Date().toISOString().slice(0, 10);
  const pricesPage = async (extra: { error?: string; saved?: string; values?: PriceFormValues } = {}) =>
    <PricesPage prices={await listPrices(ctx)} today={today()} {...extra} />;

  return new Hono<AppEnv>()
    .get('/analytics', async (c) => {
      // A bad selector shows the default view with the reason, rather than an error page.
      const asked = timeseriesQuerySchema.safeParse({ bucket: c.req.query('bucket') || undefined, days: c.req.query('days') || undefined });
      const { bucket, days } = asked.success ? asked.data : timeseriesQuerySchema.parse({});
      const error = asked.success ? undefined : `${asked.error.issues[0]!.path.join('.')}: ${asked.error.issues[0]!.message}`;
      const q = c.req.query('q')?.trim() ?? '';
      const found = q ? await search(q) : null;
      const [summary, comparison, series, recent] = await Promise.all([
        analyticsSummary(ctx, { days }),
        providerComparison(ctx, { days }),
        timeSeries(ctx, { bucket, days }),
        recentActivity(ctx, RECENT_SHOWN),
      ]);
      return c.html(
        <AnalyticsPage
          {...{ bucket, days, q, summary, comparison, series, recent }}
          hits={found?.hits ?? null}
          error={error ?? found?.error}
        />,
      );
    })
    .get('/analytics/search', async (c) => {
      const q = c.req.query('q')?.trim() ?? '';
      if (!q) return c.html('');
      const found = await search(q);
      return c.html(<SearchResults q={q} hits={found.hits} error={found.error} />);
    })
    .get('/prices', async (c) => c.html(await pricesPage({ saved: c.req.query('saved') || undefined })))
    .post('/prices', async (c) => {
      const body = await readForm(c);
      const values: PriceFormValues = {
        provider: field(body, 'provider'),
        model: field(body, 'model'),
        input_usd_per_million: field(body, 'input_usd_per_million'),
        output_usd_per_million: field(body, 'output_usd_per_million'),
        effective_from: field(body, 'effective_from'),
      };
      const number = (text: string | undefined) => (text ? Number(text) : undefined);
      try {
        const input = parseWith(priceBodySchema, {
          ...values,
          input_usd_per_million: number(values.input_usd_per_million),
          output_usd_per_million: number(values.output_usd_per_million),
        });
        const { price } = await savePrice(ctx, input);
        return c.redirect(`/prices?${new URLSearchParams({ saved: `${price.provider}/${price.model} from ${price.effective_from}` })}`, 303);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return c.html(await pricesPage({ error: error.message, values }), error.status);
      }
    });
}
