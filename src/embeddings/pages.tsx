// Pages: embed texts through the cache and search by similarity (plain HTML forms, htmx swaps the results).
import { Hono, type Context } from 'hono';
import type { Child } from 'hono/jsx';
import { cachedModels } from './repository';
import type { AppDeps } from '../deps';
import { CacheSection, EmbedResultView, EmbeddingsPage, SimilarResultView, type EmbeddingProviderOption } from '../../views/embeddings/embeddings';
import { embeddingsBodySchema, similarBodySchema } from '../schemas/requests';
import { field, parseWith, readForm, type FormBody } from '../pages/form-input';
import { withErrorBox } from '../pages/page-helpers';
import type { AppEnv } from '../app-env';

/** Embedding model suggestions; any model name can be typed. */
const SUGGESTED_MODELS: Record<string, string[]> = { echo: ['echo-1'] };
const OPENAI_EMBEDDING_MODELS = ['text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002'];

const optionalInt = (body: FormBody, key: string) => (field(body, key) === '' ? undefined : Number(field(body, key)));

export function embeddingPages(deps: AppDeps) {
  const { embeddings } = deps;
  const providers = (): EmbeddingProviderOption[] =>
    deps.providers
      .list()
      .filter((p) => p.embed)
      .map((p) => ({ name: p.name, label: p.label, models: SUGGESTED_MODELS[p.kind] ?? OPENAI_EMBEDDING_MODELS }));
  /** htmx swaps the fragment in; a plain form post gets the whole page around it. */
  const respond = async (c: Context, fragment: { embed?: Child; similar?: Child }) =>
    c.req.header('hx-request')
      ? c.html(
          <>
            {fragment.embed ?? fragment.similar}
            {fragment.embed ? <CacheSection cache={await cachedModels(deps.database.client)} oob /> : null}
          </>,
        )
      : c.html(
          <EmbeddingsPage
            providers={providers()}
            cache={await cachedModels(deps.database.client)}
            embedResult={fragment.embed}
            similarResult={fragment.similar}
          />,
        );

  return new Hono<AppEnv>()
    .get('/embeddings', async (c) => c.html(<EmbeddingsPage providers={providers()} cache={await cachedModels(deps.database.client)} />))
    .post('/embeddings', (c) =>
      withErrorBox(c, async () => {
        const body = await readForm(c);
        // One text per line; blank lines only separate texts.
        const texts = String(body.texts ?? '')
          .split(/\r?\n/)
          .filter((line) => line.trim() !== '');
        const input = parseWith(embeddingsBodySchema, {
          provider: field(body, 'provider'),
          model: field(body, 'model'),
          texts,
          dimensions: optionalInt(body, 'dimensions'),
          group_id: optionalInt(body, 'group_id'),
        });
        const result = await embeddings.embed(input);
        return respond(c, { embed: <EmbedResultView result={result} texts={texts.map((t) => t.trim())} /> });
      }),
    )
    .post('/embeddings/similar', (c) =>
      withErrorBox(c, async () => {
        const body = await readForm(c);
        const input = parseWith(similarBodySchema, {
          provider: field(body, 'provider'),
          model: field(body, 'model'),
          text: field(body, 'text'),
          k: optionalInt(body, 'k'),
          dimensions: optionalInt(body, 'dimensions'),
          group_id: optionalInt(body, 'group_id'),
        });
        const result = await embeddings.similar(input);
        return respond(c, { similar: <SimilarResultView neighbors={result.neighbors} cachedQuery={result.query?.cached ?? null} /> });
      }),
    );
}
