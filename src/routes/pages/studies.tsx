// Pages: the study (batch) runner — upload or paste prompts, pick targets, watch progress live.
import { Hono } from 'hono';
import { getBatch, listBatches } from '../../db/batches-repository';
import { getGroup } from '../../db/groups-repository';
import { serviceContext, type AppDeps } from '../../deps';
import { AppError } from '../../errors';
import { batchProgress, batchResults, cancelBatch, resumeBatch, startBatch } from '../../services/batches';
import { checkUploadRows } from '../../services/limits';
import { itemsFromLines, itemsFromUpload, type StudyItem } from '../../services/study-items';
import { StudiesPage, StudyLive, StudyPage } from '../../../views/pages/studies';
import { batchBodySchema } from '../api/batch-schemas';
import { idParamSchema } from '../api/schemas';
import { field, formParams, formTargets, parseWith, type FormBody } from './form-input';
import { providerOptions } from './inference';

const RESULT_ITEMS_SHOWN = 50;

export function studyPages(deps: AppDeps) {
  const ctx = serviceContext(deps);
  const recent = async () => Promise.all((await listBatches(ctx.db, 20)).map((row) => batchProgress(ctx, row.batch.groupId)));
  const live = async (id: number) => ({ progress: await batchProgress(ctx, id), results: await batchResults(ctx, id, 0, RESULT_ITEMS_SHOWN) });
  const studyId = (raw: string) => {
    const parsed = idParamSchema.safeParse({ id: raw });
    if (!parsed.success) throw new AppError(404, 'not_found', 'no such study');
    return parsed.data.id;
  };

  return new Hono()
    .get('/studies', async (c) => c.html(<StudiesPage providers={providerOptions(deps)} studies={await recent()} />))
    .post('/studies', async (c) => {
      const body = (await c.req.parseBody({ all: true })) as FormBody;
      try {
        const file = body.file;
        const upload = file instanceof File && file.size > 0 ? file : undefined;
        const text = upload ? await upload.text() : field(body, 'prompts');
        checkUploadRows(deps.config.limits, text);
        const items: StudyItem[] = upload ? await itemsFromUpload(upload.name, text) : itemsFromLines(text);
        if (items.length === 0) throw new AppError(400, 'invalid_request', 'prompts: paste prompts or upload a file');
        const params = formParams(body);
        const template = field(body, 'template');
        const input = parseWith(batchBodySchema, {
          ...(field(body, 'name') ? { name: field(body, 'name') } : {}),
          items,
          targets: formTargets(body).map((t) => ({ ...t, params })),
          samples: Number(field(body, 'samples') || 1),
          concurrency: Number(field(body, 'concurrency') || 8),
          ...(template ? { template } : {}),
        });
        const started = await startBatch(ctx, input);
        return c.redirect(`/studies/${started.id}`, 303);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return c.html(<StudiesPage providers={providerOptions(deps)} studies={await recent()} error={error.message} />, error.status);
      }
    })
    .get('/studies/:id', async (c) => {
      const id = studyId(c.req.param('id'));
      // Batch groups imported from v1 have calls but no study run: show them as plain groups.
      if (!(await getBatch(ctx.db, id)) && (await getGroup(ctx.db, id))) return c.redirect(`/groups/${id}`, 302);
      return c.html(<StudyPage {...await live(id)} />);
    })
    .get('/studies/:id/live', async (c) => c.html(<StudyLive {...await live(studyId(c.req.param('id')))} />))
    .post('/studies/:id/cancel', async (c) => {
      const id = studyId(c.req.param('id'));
      await cancelBatch(ctx, id);
      return c.html(<StudyLive {...await live(id)} />);
    })
    .post('/studies/:id/resume', async (c) => {
      const id = studyId(c.req.param('id'));
      await resumeBatch(ctx, id);
      return c.html(<StudyLive {...await live(id)} />);
    });
}
