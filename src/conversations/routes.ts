// /api/v1/conversations: multi-turn chats whose history is rebuilt from the captured turns.
import { z } from 'zod';
import { serviceContext, type AppDeps } from '../deps';
import { createConversation, getConversation, sendMessage } from './service';
import { apiRouter, createRoute, errors, json, jsonBody, jsonObject } from '../api/contract';
import { capturedCallSchema } from '../schemas/call-responses';
import { conversationBodySchema, conversationMessageSchema, idParamSchema } from '../schemas/requests';

const content = z.union([z.string(), z.array(jsonObject)]);

const conversationSchema = z
  .strictObject({
    id: z.int(),
    name: z.string(),
    provider: z.string(),
    model: z.string(),
    system_prompt: z.string().nullable(),
    created_at: z.string(),
    messages: z
      .array(z.strictObject({ role: z.enum(['system', 'user', 'assistant', 'tool', 'developer']), content, name: z.string().optional(), call_id: z.int().optional() }))
      .meta({ description: 'The history the next turn sends: successful turns only' }),
    turns: z
      .array(
        z.strictObject({
          call_id: z.int(),
          status: z.enum(['success', 'failed']),
          user: content,
          assistant: z.string().nullable(),
          error: jsonObject.nullable(),
          created_at: z.string(),
        }),
      )
      .meta({ description: 'Every turn, failed ones included' }),
  })
  .meta({ id: 'Conversation' });

const routes = {
  create: createRoute({
    method: 'post',
    path: '/',
    tags: ['Conversations'],
    summary: 'Start a conversation with a provider and model',
    request: { body: jsonBody(conversationBodySchema) },
    responses: { 201: json(z.strictObject({ conversation: conversationSchema }), 'The conversation'), ...errors(400, 415) },
  }),
  one: createRoute({
    method: 'get',
    path: '/{id}',
    tags: ['Conversations'],
    summary: 'A conversation with its history and every turn',
    request: { params: idParamSchema },
    responses: { 200: json(z.strictObject({ conversation: conversationSchema }), 'The conversation'), ...errors(400, 404) },
  }),
  send: createRoute({
    method: 'post',
    path: '/{id}/messages',
    tags: ['Conversations'],
    summary: 'Send the next user message; the turn is captured whatever happens',
    request: { params: idParamSchema, body: jsonBody(conversationMessageSchema) },
    responses: {
      200: json(z.strictObject({ call: capturedCallSchema, conversation: conversationSchema }), 'The captured turn and the conversation after it'),
      ...errors(400, 404, 409, 415),
    },
  }),
};

export function conversationRoutes(deps: AppDeps) {
  const ctx = serviceContext(deps);
  return apiRouter()
    .openapi(routes.create, async (c) => c.json({ conversation: await createConversation(ctx, c.req.valid('json')) }, 201))
    .openapi(routes.one, async (c) => c.json({ conversation: await getConversation(ctx, c.req.valid('param').id) }, 200))
    .openapi(routes.send, async (c) => c.json(await sendMessage(ctx, c.req.valid('param').id, c.req.valid('json')), 200));
}
