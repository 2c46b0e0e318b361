// A call's scores and its human label: GET/POST /api/v1/calls/:id/scores.
import type { AppDeps } from '../../deps';
import { sessionOf } from '../../http/access';
import { callScores, labelCall } from './human-labels';
import { humanLabelBodySchema } from '../../schemas/study-requests';
import { apiRouter, createRoute, errors, json, jsonBody } from '../../api/contract';
import { idParamSchema } from '../../schemas/requests';
import { callScoresSchema } from '../../schemas/study-report-responses';

const routes = {
  scores: createRoute({
    method: 'get',
    path: '/{id}/scores',
    tags: ['Calls'],
    summary: "A call's scores, its human label and the label's history",
    request: { params: idParamSchema },
    responses: { 200: json(callScoresSchema, "The call's scores"), ...errors(400, 404) },
  }),
  label: createRoute({
    method: 'post',
    path: '/{id}/scores',
    tags: ['Calls'],
    summary: 'Label a call (a score with scorer "human"); null in label, value and pass clears it',
    description:
      '`pass` alone reads as the label "pass" or "fail" and the value 1 or 0. Each label is a new row; the latest is the ' +
      "call's label, and the ones before it stay in human_history. The label records the signed-in session that gave it.",
    request: { params: idParamSchema, body: jsonBody(humanLabelBodySchema) },
    responses: { 201: json(callScoresSchema, "Labelled: the call's scores"), ...errors(400, 404, 415) },
  }),
};

export function callScoreRoutes(deps: AppDeps) {
  const db = deps.database.db;
  return apiRouter()
    .openapi(routes.scores, async (c) => c.json(await callScores(db, c.req.valid('param').id), 200))
    .openapi(routes.label, async (c) => c.json(await labelCall(db, c.req.valid('param').id, c.req.valid('json'), sessionOf(c)), 201));
}
