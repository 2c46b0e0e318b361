// Runs a batch's unfinished tasks in this process with a concurrency limit. (Workers use a queue
// backend behind the same BatchExecutor interface.)
import type { BatchTarget } from '../db/schema';
import { getBatch, setBatchStatus, taskCounts, unfinishedTasksAfter } from '../db/batches-repository';
import type { ChatMessage } from '../providers/types';
import { runChatCall } from './capture';
import { BackoffGate } from './inflight';
import { resolveProvider, type InferenceContext } from './inference';
import { applyTemplate } from './preprocess';

export interface RunnerStats {
  queued: number;
  running: number;
  finished: number;
  startedAt: number;
}

/** Runs batches: in this process (Node) or through a queue (Workers); progress may come from the DB. */
export interface BatchExecutor {
  start(batchId: number): Promise<void>;
  cancel(batchId: number): Promise<void>;
  isRunning(batchId: number): boolean | Promise<boolean>;
  stats(batchId: number): RunnerStats | undefined | Promise<RunnerStats | undefined>;
}

/** One (item, target, sample) task with what it needs to run. */
export interface BatchTask {
  taskId: number;
  /** Position in run order: item-major, then sample, then target. */
  ordinal: number;
  targetIndex: number;
  sampleIndex: number;
  itemKey: string;
  prompt: string | null;
  messages: Record<string, unknown>[] | null;
  vars: Record<string, string> | null;
}

export class InProcessBatchExecutor implements BatchExecutor {
  private readonly runs = new Map<number, BatchRun>();

  constructor(
    private readonly ctx: InferenceContext,
    /** Tasks read from the database at a time; the next page is fetched while these run. */
    private readonly taskPage = 1_000,
  ) {}

  async start(batchId: number) {
    if (this.runs.has(batchId)) return;
    const found = await getBatch(this.ctx.db, batchId);
    if (!found) return;
    const counts = await taskCounts(this.ctx.db, batchId);
    const run = new BatchRun(this.ctx, batchId, found.batch, counts.total - counts.success, this.taskPage);
    this.runs.set(batchId, run);
    await setBatchStatus(this.ctx.db, batchId, 'running');
    void run
      .execute()
      .catch((error) =>
        this.ctx.logger.error({ event: 'batch_error', batch_id: batchId, error: this.ctx.redact(String(error)) }),
      )
      .finally(() => this.runs.delete(batchId));
  }

  async cancel(batchId: number) {
    this.runs.get(batchId)?.cancel();
    await setBatchStatus(this.ctx.db, batchId, 'cancelled');
  }

  isRunning(batchId: number) {
    return this.runs.has(batchId);
  }

  stats(batchId: number) {
    return this.runs.get(batchId)?.stats;
  }

  /** Resolves when every batch running now has stopped (tests, shutdown). */
  async idle() {
    await Promise.all([...this.runs.values()].map((run) => run.done));
  }
}

/** Unfinished tasks in run order, read a page at a time; the next page is fetched while half remain. */
class TaskPages {
  private buffer: BatchTask[] = [];
  private afterOrdinal = -1;
  private exhausted = false;
  private fetching: Promise<void> | undefined;

  constructor(
    private readonly db: InferenceContext['db'],
    private readonly batchId: number,
    private readonly pageSize: number,
  ) {}

  async next(): Promise<BatchTask | undefined> {
    for (;;) {
      if (this.buffer.length <= this.pageSize / 2 && !this.exhausted) this.fetching ??= this.fetchPage();
      const task = this.buffer.shift();
      if (task) return task;
      if (!this.fetching) return undefined;
      await this.fetching;
    }
  }

  private async fetchPage() {
    try {
      const page = await unfinishedTasksAfter(this.db, this.batchId, this.afterOrdinal, this.pageSize);
      if (page.length < this.pageSize) this.exhausted = true;
      if (page.length) this.afterOrdinal = page[page.length - 1]!.ordinal;
      this.buffer.push(...page);
    } finally {
      this.fetching = undefined;
    }
  }
}

class BatchRun {
  readonly stats: RunnerStats;
  private cancelled = false;
  private readonly gates = new Map<string, BackoffGate>();
  private resolveDone!: () => void;
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(
    private readonly ctx: InferenceContext,
    private readonly batchId: number,
    private readonly batch: { targetsJson: BatchTarget[]; concurrency: number; template: string | null; optionsJson: Record<string, unknown> },
    unfinished: number,
    private readonly taskPage: number,
  ) {
    this.stats = { queued: unfinished, running: 0, finished: 0, startedAt: Date.now() };
  }

  cancel() {
    this.cancelled = true;
  }

  /**
   * `concurrency` workers, each taking the next task as soon as its last one is captured. A task
   * that throws (its capture could not be written, its provider is no longer configured) stops
   * them all, and the run ends only once none is left running: the batch shows as interrupted and
   * a resume can never overlap it.
   */
  async execute() {
    try {
      const tasks = new TaskPages(this.ctx.db, this.batchId, this.taskPage);
      let failure: { error: unknown } | undefined;
      const worker = async () => {
        try {
          for (let task = await tasks.next(); task && !this.cancelled && !failure; task = await tasks.next()) await this.runTask(task);
        } catch (error) {
          failure ??= { error };
        }
      };
      await Promise.all(Array.from({ length: this.batch.concurrency }, worker));
      if (failure) throw failure.error;
      if (!this.cancelled) await setBatchStatus(this.ctx.db, this.batchId, 'completed');
    } finally {
      this.resolveDone();
    }
  }

  private async runTask(task: BatchTask) {
    this.stats.queued = Math.max(0, this.stats.queued - 1);
    this.stats.running++;
    try {
      await runBatchTask(this.ctx, { groupId: this.batchId, ...this.batch }, task, { gates: this.gates });
    } finally {
      this.stats.running--;
      this.stats.finished++;
    }
  }
}

export interface RunnableBatch {
  groupId: number;
  targetsJson: BatchTarget[];
  template: string | null;
  optionsJson: Record<string, unknown>;
}

export interface BatchTaskHooks {
  /** One backoff gate per provider, shared by the tasks running side by side (a 429 pauses them all). */
  gates?: Map<string, BackoffGate>;
}

/**
 * Runs one task and captures its call. The task's key travels as metadata.batch_task_id, and a
 * trigger marks the task done in the same statement that stores the row; both backends share this.
 */
export async function runBatchTask(ctx: InferenceContext, batch: RunnableBatch, task: BatchTask, hooks: BatchTaskHooks = {}) {
  const target = batch.targetsJson[task.targetIndex]!;
  const provider = resolveProvider(ctx.providers, target.provider);
  const gates = hooks.gates ?? new Map<string, BackoffGate>();
  let gate = gates.get(provider.name);
  if (!gate) gates.set(provider.name, (gate = new BackoffGate()));
  return runChatCall(ctx, {
    provider,
    model: target.model,
    messages: taskMessages(task, batch.template),
    params: target.params,
    dedupScope: batch.optionsJson.collapse_samples ? undefined : task.sampleIndex,
    metadata: {
      source: 'batch',
      batch_id: batch.groupId,
      batch_task_id: task.taskId,
      item_key: task.itemKey,
      target_index: task.targetIndex,
      sample_index: task.sampleIndex,
    },
    retryHooks: {
      beforeAttempt: () => gate.wait(),
      onRetry: ({ error, delayMs }) => {
        if (error.status === 429) gate.pause(delayMs);
      },
    },
  });
}

/** The messages of a task: the item's messages, or its prompt through the batch template and vars. */
export function taskMessages(item: Pick<BatchTask, 'prompt' | 'messages' | 'vars'>, template: string | null): ChatMessage[] {
  if (item.messages) return item.messages as unknown as ChatMessage[];
  let text = template ? applyTemplate(item.prompt ?? '', template) : (item.prompt ?? '');
  for (const [name, value] of Object.entries(item.vars ?? {})) text = text.split(`{${name}}`).join(value);
  return [{ role: 'user', content: text }];
}
