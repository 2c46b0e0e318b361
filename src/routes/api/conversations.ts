import { Hono } from 'hono';
import { serviceContext, type AppDeps } from '../../deps';
import { validate } from '../../http/validation';
import { createConversation, getConversation, sendMessage } from '../../services/conversations';
import { conversationBodySchema, conversationMessageSchema, idParamSchema } from './schemas';
import type { AppEnv } from '../../app-env';

export function conversationRoutes(deps: AppDeps) {
  const ctx = serviceContext(deps);
  return new Hono<AppEnv>()
    .post('/', validate('json', conversationBodySchema), async (c) =>
      c.json({ conversation: await createConversation(ctx, c.req.valid('json')) }, 201),
    )
    .get('/:id', validate('param', idParamSchema), async (c) =>
      c.json({ conversation: await getConversation(ctx, c.req.valid('param').id) }),
    )
    .post('/:id/messages', validate('param', idParamSchema), validate('json', conversationMessageSchema), async (c) =>
      c.json(await sendMessage(ctx, c.req.valid('param').id, c.req.valid('json'))),
    );
}
