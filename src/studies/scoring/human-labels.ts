// Human labels: a reviewer's verdict on one captured call, stored as a score with scorer = human.
// Each label is a new row (scores are append-only); the latest one of a call is its label.
import { getCall } from '../../calls/repository';
import type { Database } from '../../db/client';
import { humanLabelCount, insertScoresStatement, scoresOfCall, studyCellLinkOfCall, studyCellOfCall, type ScoreRow } from './repository';
import { notFound } from '../../errors';
import type { z } from 'zod';
import type { humanLabelBodySchema } from '../../schemas/study-requests';

export type HumanLabelInput = z.output<typeof humanLabelBodySchema>;

export const HUMAN_SCORER = 'human';

/**
 * Labels a call. `pass` alone reads as the label "pass" or "fail" and the value 1 or 0; all three
 * null clears the label (a row saying so). `who` is the signed-in session's hash, or null.
 */
export async function labelCall(db: Database, callId: number, input: HumanLabelInput, who: string | null) {
  const call = await getCall(db, callId);
  if (!call) throw notFound('call', callId);
  const cell = await studyCellOfCall(db, callId);
  const pass = input.pass ?? null;
  const label = input.label ?? (pass === null ? null : pass ? 'pass' : 'fail');
  const value = input.value ?? (pass === null ? null : pass ? 1 : 0);
  await insertScoresStatement(db, [
    {
      callId,
      studyId: cell?.batch_id ?? null,
      itemId: cell?.item_id ?? null,
      targetIndex: cell?.target_index ?? null,
      scorer: HUMAN_SCORER,
      kind: HUMAN_SCORER,
      version: (await humanLabelCount(db, callId)) + 1,
      configHash: null,
      value,
      label,
      pass,
      answer: null,
      detail: { ...(input.note ? { note: input.note } : {}), ...(label === null && value === null && pass === null ? { cleared: true } : {}) },
      createdBy: who,
    },
  ]);
  return callScores(db, callId);
}

/** A call's scores: the latest of each scorer version, its current human label and the label's history. */
export async function callScores(db: Database, callId: number) {
  if (!(await getCall(db, callId))) throw notFound('call', callId);
  const rows = await scoresOfCall(db, callId);
  const human = rows.filter((r) => r.scorer === HUMAN_SCORER);
  const automatic = rows.filter((r) => r.scorer !== HUMAN_SCORER);
  const current = human[0] && !(human[0].detailJson as { cleared?: boolean }).cleared ? human[0] : null;
  return {
    call_id: callId,
    human: current ? scoreJson(current) : null,
    human_history: human.map(scoreJson),
    scores: automatic.map(scoreJson),
    disagreements: current?.pass == null ? [] : automatic.filter((s) => s.pass !== null && s.pass !== current.pass).map((s) => ({ scorer: s.scorer, version: s.version })),
  };
}

export type CallScores = Awaited<ReturnType<typeof callScores>>;

export function scoreJson(row: ScoreRow) {
  return {
    id: row.id,
    scorer: row.scorer,
    kind: row.kind,
    version: row.version,
    config_hash: row.configHash,
    value: row.value,
    label: row.label,
    pass: row.pass,
    answer: row.answer,
    detail: row.detailJson,
    judge_call_id: row.judgeCallId,
    batch_id: row.batchId,
    study_id: row.batchId,
    created_at: row.createdAt,
    created_by: row.createdBy,
  };
}

/** The study cell a call answered, if it was a study's task: the call page links back to it. */
export async function studyCellOf(db: Database, callId: number) {
  return studyCellLinkOfCall(db, callId);
}

export type StudyCellLink = NonNullable<Awaited<ReturnType<typeof studyCellOf>>>;
