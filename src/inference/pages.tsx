// Pages: single inference and side-by-side compare.
import { Hono } from 'hono';
import { serviceContext, type AppDeps } from '../deps';
import { AppError } from '../errors';
import { runInference } from './service';
import { ComparePage, CompareCell, CompareColumns } from '../../views/inference/compare';
import { InferencePage, InferenceResult } from '../../views/inference/inference';
import { ModelField } from '../../views/components/target-fields';
import { chatParamsSchema, inferenceBodySchema } from '../schemas/requests';
import { checkFormParamNames, field, formAllowsUnknownParams, formParams, formPreprocess, formTargets, parseWith, readForm } from '../pages/form-input';
import type { AppEnv } from '../app-env';
import { providerOptions, withErrorBox } from '../pages/page-helpers';

export function inferencePages(deps: AppDeps) {
  const ctx = serviceContext(deps);
  return new Hono<AppEnv>()
    .get('/inference', (c) => c.html(<InferencePage providers={providerOptions(deps)} />))
    .get('/fragments/models', (c) => {
      const options = providerOptions(deps);
      const provider = options.find((p) => p.name === c.req.query('provider')) ?? options[0]!;
      return c.html(<ModelField provider={provider} />);
    })
    .post('/inference', (c) =>
      withErrorBox(c, async () => {
        const body = await readForm(c, { all: true });
        const template = field(body, 'template');
        const params = formParams(body);
        checkFormParamNames(body, params);
        const input = parseWith(inferenceBodySchema, {
          provider: field(body, 'provider'),
          model: field(body, 'model') || undefined,
          prompt: field(body, 'prompt'),
          samples: field(body, 'samples') ? Number(field(body, 'samples')) : undefined,
          params,
          ...(formAllowsUnknownParams(body) ? { allow_unknown_params: true } : {}),
          preprocess: formPreprocess(body),
          ...(template ? { template } : {}),
        });
        const calls = await runInference(ctx, input);
        return c.html(<InferenceResult calls={calls} />);
      }),
    )
    .get('/compare', (c) => c.html(<ComparePage providers={providerOptions(deps)} />))
    .post('/compare', (c) =>
      withErrorBox(c, async () => {
        const body = await readForm(c, { all: true });
        const prompt = field(body, 'prompt');
        if (!prompt) throw new AppError(400, 'invalid_request', 'prompt: write a prompt to compare');
        const params = formParams(body);
        // Checked once here, as each column's call checks it again.
        checkFormParamNames(body, params);
        return c.html(<CompareColumns targets={formTargets(body)} prompt={prompt} params={params} allowUnknownParams={formAllowsUnknownParams(body)} />);
      }),
    )
    .post('/compare/cell', async (c) => {
      const body = await readForm(c);
      const target = { provider: field(body, 'provider'), model: field(body, 'model') || undefined };
      try {
        const params = parseWith(chatParamsSchema, JSON.parse(field(body, 'params') || '{}'));
        const allow = formAllowsUnknownParams(body) ? { allow_unknown_params: true } : {};
        const input = parseWith(inferenceBodySchema, { ...target, prompt: field(body, 'prompt'), params, ...allow });
        return c.html(<CompareCell target={target} calls={await runInference(ctx, input)} />);
      } catch (error) {
        if (error instanceof AppError || error instanceof SyntaxError) {
          return c.html(<CompareCell target={target} error={error.message} />);
        }
        throw error;
      }
    });
}
