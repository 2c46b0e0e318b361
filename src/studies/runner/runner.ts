// Runs a study's unfinished tasks in this process, in the study's run order (run-order.ts), with a
// concurrency limit. (Workers use a queue backend behind the same StudyExecutor interface; what both
// share with the scoring runs is in background-run.ts.)
import type { StudyTarget } from '../../db/schema';
import { getStudy, taskCounts, unfinishedTasksAfter, type OrderOf } from '../repository';
import { beatStudyRun, finishStudyRun } from './runs-repository';
import type { ChatMessage } from '../../providers/types';
import { runChatCall } from '../../capture/provider-call';
import type { InferenceContext } from '../../inference/service';
import { taskMessages } from '../task-messages';
import { targetTemplate } from '../variants/prompt-variants';
import type { RunnerIdentity } from './runner-identity';
import { BUDGET_REASON, costGuard, type CostGuard } from '../budget/cost-guard';
import { nextTurn } from '../../concurrency/time-slice';
import { configuredProvider, PROCESS_HEARTBEAT_MS, processHost, ProviderGates, startHeartbeat, type ProcessHost, type RunHost } from './background-run';

export interface RunnerStats {
  queued: number;
  running: number;
  finished: number;
  startedAt: number;
}

/**
 * Runs studies: in this process (Node) or through a queue (Workers). Which run owns a study is
 * decided in the database (runs-repository): an executor only launches a run that was just
 * claimed there, so two servers on one libSQL database never run a study at once.
 */
export interface StudyExecutor extends RunHost {
  /** Whether a cancelled run finishes its tasks in flight and then marks the study cancelled itself. */
  readonly cancelWaitsForTasksInFlight: boolean;
  /** Whether this process still has tasks of the study in flight. */
  isRunningHere(studyId: number): boolean;
  /** Starts the run `runId`, which has just been claimed in the database. */
  launch(studyId: number, runId: string): Promise<void>;
  /** Stops taking new tasks of a study just cancelled (tasks in flight finish and are captured). */
  stop(studyId: number): void;
  stats(studyId: number): RunnerStats | undefined | Promise<RunnerStats | undefined>;
  /** Shutdown: stop every local run; resolves once their tasks in flight are captured and each study is interrupted. */
  interruptAll?(reason: string): Promise<void>;
}

/** One (item, target, sample) task with what it needs to run. */
export interface StudyTask {
  taskId: number;
  /** Position in item order: item-major, then sample, then target. */
  ordinal: number;
  targetIndex: number;
  sampleIndex: number;
  itemKey: string;
  prompt: string | null;
  messages: ChatMessage[] | null;
  vars: Record<string, string> | null;
}

export interface InProcessOptions {
  /** Tasks read from the database at a time; the next page is fetched while these run. */
  taskPage?: number;
  heartbeatMs?: number;
  staleAfterMs?: number;
  identity?: RunnerIdentity;
}

export class InProcessStudyExecutor implements StudyExecutor {
  readonly runner: string;
  readonly staleAfterMs: number;
  readonly cancelWaitsForTasksInFlight = true;
  private readonly runs = new Map<number, StudyRun>();
  private readonly host: ProcessHost;
  private readonly taskPage: number;
  private readonly heartbeatMs: number;

  constructor(
    private readonly ctx: InferenceContext,
    options: InProcessOptions = {},
  ) {
    this.host = processHost({ identity: options.identity, staleAfterMs: options.staleAfterMs });
    this.runner = this.host.runner;
    this.staleAfterMs = this.host.staleAfterMs;
    this.taskPage = options.taskPage ?? 1_000;
    this.heartbeatMs = options.heartbeatMs ?? PROCESS_HEARTBEAT_MS;
  }

  async launch(studyId: number, runId: string) {
    const found = await getStudy(this.ctx.db, studyId);
    if (!found) return;
    const counts = await taskCounts(this.ctx.db, studyId);
    const guard = await costGuard(this.ctx, found.study, { newRun: true });
    const run = new StudyRun(this.ctx, studyId, found.study, counts.total - counts.success, this.taskPage, guard);
    this.runs.set(studyId, run);
    const stopBeating = startHeartbeat(this.heartbeatMs, () => this.beat(studyId, runId, run), (error) =>
      this.ctx.logger.error({ event: 'study_heartbeat_error', batch_id: studyId, error: this.ctx.redact(String(error)) }),
    );
    void run
      .execute()
      .then(async (end) => {
        if (!end.lostOwnership) await finishStudyRun(this.ctx.db, studyId, runId, end.interrupted);
      })
      .catch((error) => this.ctx.logger.error({ event: 'batch_error', batch_id: studyId, error: this.ctx.redact(String(error)) }))
      .finally(() => {
        stopBeating();
        this.runs.delete(studyId);
      });
  }

  /** Keeps the claim alive, and hears of a cancel or takeover made by another server. */
  private async beat(studyId: number, runId: string, run: StudyRun) {
    const status = await beatStudyRun(this.ctx.db, studyId, runId, new Date().toISOString());
    if (status === undefined) run.lose();
    else if (status === 'cancelling') run.cancel();
  }

  stop(studyId: number) {
    this.runs.get(studyId)?.cancel();
  }

  runIsGone(run: { runner: string | null }) {
    return this.host.runIsGone(run);
  }

  isRunningHere(studyId: number) {
    return this.runs.has(studyId);
  }

  stats(studyId: number) {
    return this.runs.get(studyId)?.stats;
  }

  /** Resolves when every study running now has stopped (tests). */
  async idle() {
    await Promise.all([...this.runs.values()].map((run) => run.done));
  }

  /**
   * Shutdown: every run stops taking tasks; the ones in flight finish and are captured (the caller
   * bounds the wait), and each study is left `interrupted`, ready to resume.
   */
  async interruptAll(reason: string) {
    const runs = [...this.runs.values()];
    runs.forEach((run) => { run.interrupt(reason); });
    await Promise.all(runs.map((run) => run.done));
    // The runs record their end themselves; wait until they have.
    while (this.runs.size) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Unfinished tasks in run order, read a page at a time; the next page is fetched while half remain.
 * The first page holds only what the workers start with (`firstPage`): the first calls go out as soon
 * as it is read (a full page of a large study took 15–20 ms), and the next page is read meanwhile.
 */
class TaskPages {
  private buffer: StudyTask[] = [];
  private afterPosition = -1;
  private exhausted = false;
  private fetching: Promise<void> | undefined;
  private nextPageSize: number;

  constructor(
    private readonly db: InferenceContext['db'],
    private readonly study: OrderOf,
    private readonly pageSize: number,
    firstPage = pageSize,
  ) {
    this.nextPageSize = Math.max(1, Math.min(pageSize, firstPage));
  }

  async next(): Promise<StudyTask | undefined> {
    for (;;) {
      const task = this.buffer.shift();
      if (this.buffer.length <= this.pageSize / 2 && !this.exhausted) this.fetching ??= this.startFetch(task !== undefined);
      if (task) return task;
      if (!this.fetching) return undefined;
      await this.fetching;
    }
  }

  /**
   * A page read ahead of need may fail with nobody waiting for it (the run ending, the database
   * closing): that failure is not left unhandled; a worker that needs the page reads it again.
   */
  private startFetch(ahead: boolean): Promise<void> {
    const fetching = this.fetchPage(ahead);
    if (ahead) fetching.catch(() => undefined);
    return fetching;
  }

  /**
   * Reads the next page. Ahead of need (`ahead`: tasks are still buffered) it waits a turn of the event
   * loop first: embedded libSQL reads on the event loop, and the calls being started go out before.
   */
  private async fetchPage(ahead: boolean) {
    try {
      if (ahead) await nextTurn();
      const size = this.nextPageSize;
      this.nextPageSize = this.pageSize;
      const page = await unfinishedTasksAfter(this.db, this.study, this.afterPosition, size);
      if (page.length < size) this.exhausted = true;
      if (page.length) this.afterPosition = page[page.length - 1]!.position;
      this.buffer.push(...page);
    } finally {
      this.fetching = undefined;
    }
  }
}

/** How a run ended: normally, stopped early (interrupted, with the reason), or no longer the study's run. */
interface RunEnd {
  interrupted?: string;
  lostOwnership?: boolean;
}

class StudyRun {
  readonly stats: RunnerStats;
  private stopping: { kind: 'cancel' } | { kind: 'interrupt'; reason: string } | { kind: 'lost' } | undefined;
  private readonly gates = new ProviderGates();
  private resolveDone!: () => void;
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(
    private readonly ctx: InferenceContext,
    private readonly studyId: number,
    private readonly study: { targetsJson: StudyTarget[]; concurrency: number; template: string | null; optionsJson: Record<string, unknown>; runSeed: number | null },
    unfinished: number,
    private readonly taskPage: number,
    private readonly guard?: CostGuard,
  ) {
    this.stats = { queued: unfinished, running: 0, finished: 0, startedAt: Date.now() };
  }

  cancel() {
    this.stopping ??= { kind: 'cancel' };
  }

  interrupt(reason: string) {
    this.stopping ??= { kind: 'interrupt', reason };
  }

  /** Another server cancelled or took over this study: stop, and record nothing more about it. */
  lose() {
    this.stopping = { kind: 'lost' };
  }

  /**
   * `concurrency` workers, each taking the next task as soon as its last one is captured. A task
   * that throws (its capture could not be written, its provider is no longer configured) stops
   * them all, and the run ends only once none is left running: the study shows as interrupted and
   * a resume can never overlap it.
   */
  async execute(): Promise<RunEnd> {
    try {
      const tasks = new TaskPages(this.ctx.db, { groupId: this.studyId, runSeed: this.study.runSeed }, this.taskPage, this.study.concurrency);
      let failure: { error: unknown } | undefined;
      const worker = async () => {
        try {
          for (let task = await tasks.next(); task && !this.stopping && !failure; task = await tasks.next()) await this.runTask(task);
        } catch (error) {
          failure ??= { error };
        }
      };
      await Promise.all(Array.from({ length: this.study.concurrency }, worker));
      const stopping = this.stopping;
      if (stopping?.kind === 'lost') return { lostOwnership: true };
      if (failure) {
        this.ctx.logger.error({ event: 'batch_error', batch_id: this.studyId, error: this.ctx.redact(String(failure.error)) });
        return { interrupted: `a task could not run: ${this.ctx.redact(errorMessage(failure.error))}` };
      }
      if (stopping?.kind === 'interrupt') return { interrupted: stopping.reason };
      return {};
    } finally {
      this.resolveDone();
    }
  }

  private async runTask(task: StudyTask) {
    const call = () => runStudyTask(this.ctx, { groupId: this.studyId, ...this.study }, task, { gates: this.gates });
    if (this.guard) {
      if (!(await this.guard.run(task, () => this.counted(call)))) this.interrupt(BUDGET_REASON);
      return;
    }
    await this.counted(call);
  }

  private async counted(call: () => Promise<unknown>) {
    this.stats.queued = Math.max(0, this.stats.queued - 1);
    this.stats.running++;
    try {
      await call();
    } finally {
      this.stats.running--;
      this.stats.finished++;
    }
  }
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

export interface RunnableStudy {
  groupId: number;
  targetsJson: StudyTarget[];
  template: string | null;
  optionsJson: Record<string, unknown>;
}

export interface StudyTaskHooks {
  /** One backoff gate per provider, shared by the tasks running side by side (a 429 pauses them all). */
  gates?: ProviderGates;
}

/**
 * Runs one task and captures its call. The row carries the task's id in raw_calls.batch_task_id (a
 * column no caller can write), and a trigger marks the task done in the statement that stores the
 * row; both backends share this.
 */
export async function runStudyTask(ctx: InferenceContext, study: RunnableStudy, task: StudyTask, hooks: StudyTaskHooks = {}) {
  const target = study.targetsJson[task.targetIndex]!;
  const provider = configuredProvider(ctx.providers, target.provider, `targets.${task.targetIndex}.provider`);
  const gates = hooks.gates ?? new ProviderGates();
  return runChatCall(ctx, {
    provider,
    model: target.model,
    messages: taskMessages(task, targetTemplate(study, task.targetIndex)),
    params: target.params,
    dedupScope: study.optionsJson.collapse_samples ? undefined : task.sampleIndex,
    metadata: {
      source: 'batch',
      batch_id: study.groupId,
      item_key: task.itemKey,
      target_index: task.targetIndex,
      sample_index: task.sampleIndex,
    },
    link: { batchTaskId: task.taskId },
    retryHooks: gates.retryHooks(provider.name),
  });
}
