// Pages: clone and change — a study's setup filled in on a form, started as a new study with the same items.
import type { AppEnv } from '../../app-env';
import { Hono } from 'hono';
import { serviceContext, type AppDeps } from '../../deps';
import { AppError } from '../../errors';
import { idParamSchema } from '../../schemas/requests';
import { cloneChangesSchema, type CloneChanges } from '../../schemas/study-requests';
import { field, formValues, parseWith, readForm, type FormBody } from '../../pages/form-input';
import { ClonePage } from '../../../views/studies/runs/clone';
import { cloneStudy, studySetup } from './clone';

export function clonePages(deps: AppDeps) {
  const ctx = serviceContext(deps);
  const studyId = (raw: string) => {
    const parsed = idParamSchema.safeParse({ id: raw });
    if (!parsed.success) throw new AppError(404, 'not_found', 'no such study');
    return parsed.data.id;
  };
  // Shown as the study page shows its setup: with no configured secret in it.
  const shownSetup = async (id: number) => deps.scrub(await studySetup(ctx, id));
  return new Hono<AppEnv>()
    .get('/studies/:id/clone', async (c) => c.html(<ClonePage setup={await shownSetup(studyId(c.req.param('id')))} />))
    .post('/studies/:id/clone', async (c) => {
      const id = studyId(c.req.param('id'));
      const setup = await shownSetup(id);
      const body = await readForm(c);
      try {
        const started = await cloneStudy(ctx, id, formChanges(body));
        return c.redirect(`/studies/${started.id}`, 303);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return c.html(<ClonePage setup={setup} error={error.message} values={formValues(body)} />, error.status);
      }
    });
}

/**
 * The form's fields as the API's changes: every field is sent, so each replaces the study's — an
 * empty template, variants or scorers field means none.
 */
function formChanges(body: FormBody): CloneChanges {
  const prompts = jsonField(body, 'prompts');
  const template = field(body, 'template');
  const scorers = jsonField(body, 'scorers');
  const changes = {
    ...(field(body, 'name') ? { name: field(body, 'name') } : {}),
    targets: jsonField(body, 'targets') ?? [],
    samples: Number(field(body, 'samples') || 1),
    template: template || null,
    prompts: prompts ?? null,
    scorers: scorers ?? null,
  };
  return parseWith(cloneChangesSchema, changes);
}

/** A field holding JSON: undefined when empty, a 400 naming the field when it does not parse. */
function jsonField(body: FormBody, name: string): unknown {
  const text = field(body, name);
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError(400, 'invalid_request', `${name}: not valid JSON (${(error as Error).message})`);
  }
}
