// Workers backend for studies: tasks travel through a Cloudflare Queue in small chunks and a queue
// consumer runs them. Progress lives in the database, so any isolate can answer for any study.
import pLimit from 'p-limit';
import {
  beginQueueRun,
  claimQueueTask,
  releaseQueueTaskClaim,
  pendingTaskIds,
  pendingTasksByIds,
  queueRunState,
  settleQueueRun,
  tasksFinishedSince,
} from './queue-repository';
import { finishStudyRun } from './runs-repository';
import { clearStudyReservations } from '../budget/budget-repository';
import { BUDGET_REASON, costGuard } from '../budget/cost-guard';
import { getStudy } from '../repository';
import { AppError } from '../../errors';
import { runStudyTask, type StudyExecutor, type RunnerStats } from './runner';
import { ProviderGates, QUEUE_LEASE_MS, QUEUE_STALE_MS, queueHost } from './background-run';
import type { InferenceContext } from '../../inference/service';

/** Tasks per queue message: few enough that one consumer invocation stays within Workers' subrequest limit. */
export const TASKS_PER_MESSAGE = 5;
/** Queues accept at most 100 messages per sendBatch call. */
const MESSAGES_PER_SEND = 100;
/**
 * A run with pending tasks but no progress for this long is reported as interrupted (its messages
 * may have been dropped after their retries) and can be resumed; a resume starts a new run, and
 * any message of the old run still in the queue then takes nothing, so nothing runs twice.
 */
export const STALE_RUN_MS = QUEUE_STALE_MS;
/**
 * A task taken this long ago by a run whose call never ended may be taken by another run: no
 * consumer invocation lives longer (Workers stop a queue consumer after 15 minutes of wall time).
 */
export const TASK_LEASE_MS = QUEUE_LEASE_MS;
/** A message with a task whose call from an earlier run may still be in flight comes back this much later. */
export const HELD_TASK_RETRY_S = 60;

export interface StudyMessageBody {
  /** The study. Named as when studies were called batches: messages already queued must still be read. */
  batchId: number;
  /** The run stamp: messages of an earlier run are acknowledged and ignored. */
  run: string;
  taskIds: number[];
}

/** The producer side of a Cloudflare Queue binding (what this backend needs of it). */
export interface StudyQueueProducer {
  sendBatch(messages: Iterable<{ body: StudyMessageBody }>): Promise<unknown>;
}

/** A delivered message, as the Workers runtime hands it to `queue()`. */
export interface StudyQueueMessage {
  readonly id?: string;
  readonly body: unknown;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export class QueueStudyExecutor implements StudyExecutor {
  readonly runner = queueHost.runner;
  readonly staleAfterMs = queueHost.staleAfterMs;
  /** Consumers take no new task of a cancelled study; there is no run here to report back. */
  readonly cancelWaitsForTasksInFlight = false;

  constructor(
    private readonly ctx: InferenceContext,
    private readonly queue: StudyQueueProducer | undefined,
  ) {}

  /** Enqueues every pending task (failed ones become pending again) of the run just claimed. */
  async launch(studyId: number, run: string) {
    const queue = this.queue;
    if (!queue) {
      await finishStudyRun(this.ctx.db, studyId, run, 'no queue is bound as BATCH_QUEUE');
      throw new AppError(503, 'queue_unavailable', 'Studies on Workers run through a queue: bind one as BATCH_QUEUE in wrangler.toml.');
    }
    const found = await getStudy(this.ctx.db, studyId);
    if (!found) return;
    await beginQueueRun(this.ctx.db, studyId);
    if (found.study.budgetUsd !== null) await clearStudyReservations(this.ctx.db, studyId);
    const taskIds = await pendingTaskIds(this.ctx.db, found.study);
    if (!taskIds.length) {
      await finishStudyRun(this.ctx.db, studyId, run);
      return;
    }
    const messages: { body: StudyMessageBody }[] = [];
    for (let i = 0; i < taskIds.length; i += TASKS_PER_MESSAGE) {
      messages.push({ body: { batchId: studyId, run, taskIds: taskIds.slice(i, i + TASKS_PER_MESSAGE) } });
    }
    for (let i = 0; i < messages.length; i += MESSAGES_PER_SEND) {
      await queue.sendBatch(messages.slice(i, i + MESSAGES_PER_SEND));
    }
  }

  stop() {}

  /** A queue run has no process to check on: only its heartbeat (progress) tells it is alive. */
  runIsGone(run: { runner: string | null }) {
    return queueHost.runIsGone(run);
  }

  isRunningHere() {
    return false;
  }

  async stats(studyId: number): Promise<RunnerStats | undefined> {
    const state = await queueRunState(this.ctx.db, studyId);
    if (!state?.run || state.status !== 'running') return undefined;
    const finished = await tasksFinishedSince(this.ctx.db, studyId, state.startedAt);
    // How many tasks are being called right now is not known outside the consumers.
    return { queued: state.pending, running: 0, finished, startedAt: Date.parse(state.startedAt) };
  }
}

/**
 * The queue consumer (the worker's `queue()` handler). Each task runs only once it is claimed for the
 * current run of a running study, so a redelivered message or one from before a cancel or resume
 * runs nothing twice. A message with a task still held by an earlier run (its call in flight when the
 * study was cancelled and resumed) comes back later, to settle the run once that call has ended. A
 * message whose work failed (the database was unreachable, say) is retried by the queue.
 */
export async function consumeStudyMessages(ctx: InferenceContext, messages: readonly StudyQueueMessage[]) {
  const limits = new Map<number, ReturnType<typeof pLimit>>();
  const gates = new ProviderGates();
  await Promise.all(
    messages.map(async (message) => {
      const body = parseBody(message.body);
      if (!body) {
        ctx.logger.error({ event: 'study_message_invalid', message_id: message.id });
        message.ack();
        return;
      }
      try {
        const held = await consumeOne(ctx, body, limits, gates);
        if (held) message.retry({ delaySeconds: HELD_TASK_RETRY_S });
        else message.ack();
      } catch (error) {
        ctx.logger.error({ event: 'study_message_error', batch_id: body.batchId, error: ctx.redact(String(error)) });
        message.retry({ delaySeconds: 5 });
      }
    }),
  );
}

/** Runs the message's tasks this run can take; true when some are still held by an earlier run. */
async function consumeOne(
  ctx: InferenceContext,
  body: StudyMessageBody,
  limits: Map<number, ReturnType<typeof pLimit>>,
  gates: ProviderGates,
): Promise<boolean> {
  const studyId = body.batchId;
  const found = await getStudy(ctx.db, studyId);
  if (found?.study.status !== 'running' || found.study.runId !== body.run) return false;
  const tasks = await pendingTasksByIds(ctx.db, studyId, body.taskIds);
  let limit = limits.get(studyId);
  if (!limit) limits.set(studyId, (limit = pLimit(found.study.concurrency)));
  let held = false;
  const guard = await costGuard(ctx, found.study);
  let capReached = false;
  await Promise.all(
    tasks.map((task) =>
      limit(async () => {
        if (capReached) return;
        const claim = await claimQueueTask(ctx.db, task.taskId, body.run, new Date(), TASK_LEASE_MS);
        if (claim === 'held') held = true;
        if (claim !== 'claimed') return;
        const call = () => runStudyTask(ctx, found.study, task, { gates });
        if (!guard) return void (await call());
        // Claimed before its cost is reserved: a task holding room under the cap is already this run's,
        // so the run ending for the cap (here, or on another consumer) never strands it unrun.
        if (await guard.run(task, call)) return;
        // The cap has no room: the task goes back, the run ends (interrupted, reason budget), and the
        // messages left take nothing.
        capReached = true;
        await releaseQueueTaskClaim(ctx.db, task.taskId, body.run);
        await finishStudyRun(ctx.db, studyId, body.run, BUDGET_REASON);
      }),
    ),
  );
  await settleQueueRun(ctx.db, studyId, body.run);
  return held;
}

function parseBody(body: unknown): StudyMessageBody | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { batchId, run, taskIds } = body as Record<string, unknown>;
  if (typeof batchId !== 'number' || typeof run !== 'string' || !Array.isArray(taskIds)) return undefined;
  if (!taskIds.every((id) => typeof id === 'number')) return undefined;
  return { batchId, run, taskIds: taskIds as number[] };
}
