// Runs a batch's unfinished tasks in this process with a concurrency limit. (Workers use a queue
// backend behind the same BatchExecutor interface.)
import pLimit from 'p-limit';
import type { BatchTarget } from '../db/schema';
import { getBatch, setBatchStatus, unfinishedTasks } from '../db/batches-repository';
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

export interface BatchExecutor {
  start(batchId: number): Promise<void>;
  cancel(batchId: number): Promise<void>;
  isRunning(batchId: number): boolean;
  stats(batchId: number): RunnerStats | undefined;
}

interface Task {
  taskId: number;
  targetIndex: number;
  sampleIndex: number;
  itemKey: string;
  prompt: string | null;
  messages: Record<string, unknown>[] | null;
  vars: Record<string, string> | null;
}

export class InProcessBatchExecutor implements BatchExecutor {
  private readonly runs = new Map<number, BatchRun>();

  constructor(private readonly ctx: InferenceContext) {}

  async start(batchId: number) {
    if (this.runs.has(batchId)) return;
    const found = await getBatch(this.ctx.db, batchId);
    if (!found) return;
    const tasks = await unfinishedTasks(this.ctx.db, batchId);
    const run = new BatchRun(this.ctx, batchId, found.batch, tasks);
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
    private readonly tasks: Task[],
  ) {
    this.stats = { queued: tasks.length, running: 0, finished: 0, startedAt: Date.now() };
  }

  cancel() {
    this.cancelled = true;
  }

  async execute() {
    try {
      const limit = pLimit(this.batch.concurrency);
      await Promise.all(this.tasks.map((task) => limit(() => this.runTask(task))));
      if (!this.cancelled) await setBatchStatus(this.ctx.db, this.batchId, 'completed');
    } finally {
      this.resolveDone();
    }
  }

  private async runTask(task: Task) {
    if (this.cancelled) return;
    this.stats.queued--;
    this.stats.running++;
    try {
      const target = this.batch.targetsJson[task.targetIndex]!;
      const provider = resolveProvider(this.ctx.providers, target.provider);
      const gate = this.gateFor(provider.name);
      await runChatCall(this.ctx, {
        provider,
        model: target.model,
        messages: taskMessages(task, this.batch.template),
        params: target.params,
        dedupScope: this.batch.optionsJson.collapse_samples ? undefined : task.sampleIndex,
        metadata: {
          source: 'batch',
          batch_id: this.batchId,
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
    } finally {
      this.stats.running--;
      this.stats.finished++;
    }
  }

  private gateFor(provider: string) {
    let gate = this.gates.get(provider);
    if (!gate) this.gates.set(provider, (gate = new BackoffGate()));
    return gate;
  }
}

/** The messages of a task: the item's messages, or its prompt through the batch template and vars. */
export function taskMessages(item: Pick<Task, 'prompt' | 'messages' | 'vars'>, template: string | null): ChatMessage[] {
  if (item.messages) return item.messages as unknown as ChatMessage[];
  let text = template ? applyTemplate(item.prompt ?? '', template) : (item.prompt ?? '');
  for (const [name, value] of Object.entries(item.vars ?? {})) text = text.split(`{${name}}`).join(value);
  return [{ role: 'user', content: text }];
}
