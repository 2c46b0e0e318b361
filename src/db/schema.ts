// Schema v2: immutable capture (raw_calls and what hangs off it) plus mutable grouping.
// Triggers and FTS5 are hand-written SQL in drizzle/ (drizzle-kit cannot express them); the per-(model, dimension)
// vector index tables are created at run time by src/embeddings/vector-index.ts.
import { sql } from 'drizzle-orm';
import type { ChatMessage } from '../providers/types';
import { customType, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';

export type JsonObject = Record<string, unknown>;

/** libSQL's native float32 vector column; values are written with vector32('[...]'). */
const f32Blob = customType<{ data: ArrayBuffer; driverData: ArrayBuffer }>({
  dataType: () => 'F32_BLOB',
});

const createdAt = () =>
  text('created_at')
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`);

export const rawCalls = sqliteTable(
  'raw_calls',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    modality: text('modality', { enum: ['chat', 'completion', 'embedding'] }).notNull(),
    status: text('status', { enum: ['success', 'failed'] }).notNull(),
    requestJson: text('request_json', { mode: 'json' }).$type<JsonObject>().notNull(),
    responseJson: text('response_json', { mode: 'json' }).$type<JsonObject>(),
    errorJson: text('error_json', { mode: 'json' }).$type<JsonObject>(),
    latencyMs: real('latency_ms'),
    tokensJson: text('tokens_json', { mode: 'json' }).$type<JsonObject>(),
    // Token counts are also real columns: they are summed on every dashboard query.
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    totalTokens: integer('total_tokens'),
    costUsd: real('cost_usd'),
    requestHash: text('request_hash').notNull(),
    metadataJson: text('metadata_json', { mode: 'json' }).$type<JsonObject>().notNull(),
    createdAt: createdAt(),
    // Bookkeeping links, written only by the study runner and the conversation service (never from
    // caller JSON): triggers mark the task done / append the turn in the same statement as the row.
    batchTaskId: integer('batch_task_id').references((): AnySQLiteColumn => batchTasks.id),
    conversationId: integer('conversation_id').references((): AnySQLiteColumn => groups.id),
    /** The HTTP request that made the call (x-study-request-id): how a streaming client finds its row. */
    requestId: text('request_id'),
    /** The API the client called: inference | chat.completions | completions | responses | embeddings. */
    clientApi: text('client_api'),
    /** The model the provider says it served (the answer's `model`), beside `model`, the one asked for. */
    servedModel: text('served_model'),
    /** The answer's `system_fingerprint`: the provider's backend configuration, when it reports one. */
    systemFingerprint: text('system_fingerprint'),
  },
  (t) => [
    index('raw_calls_created_at_idx').on(t.createdAt),
    index('raw_calls_provider_model_created_idx').on(t.provider, t.model, t.createdAt),
    index('raw_calls_status_created_idx').on(t.status, t.createdAt),
    // At most one success row per study task, whatever any code tries.
    uniqueIndex('raw_calls_batch_task_success_idx')
      .on(t.batchTaskId)
      .where(sql`status = 'success' AND batch_task_id IS NOT NULL`),
    index('raw_calls_conversation_idx').on(t.conversationId).where(sql`conversation_id IS NOT NULL`),
    index('raw_calls_request_id_idx').on(t.requestId).where(sql`request_id IS NOT NULL`),
  ],
);

export const callArtifacts = sqliteTable(
  'call_artifacts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    callId: integer('call_id')
      .notNull()
      .references(() => rawCalls.id),
    uri: text('uri').notNull(),
    contentType: text('content_type').notNull(),
    byteSize: integer('byte_size'),
    metadataJson: text('metadata_json', { mode: 'json' }).$type<JsonObject>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('call_artifacts_call_id_idx').on(t.callId)],
);

export const embeddingVectors = sqliteTable(
  'embedding_vectors',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    callId: integer('call_id')
      .notNull()
      .references(() => rawCalls.id),
    // The cache key: hash of provider + model + normalized text + dimensions + encoding format.
    requestHash: text('request_hash').notNull(),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    dimension: integer('dimension').notNull(),
    vector: f32Blob('vector').notNull(),
    norm: real('norm').notNull(),
    metadataJson: text('metadata_json', { mode: 'json' }).$type<JsonObject>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('embedding_vectors_request_hash_idx').on(t.requestHash),
    index('embedding_vectors_model_dimension_idx').on(t.model, t.dimension),
  ],
);

/**
 * A study's group_type: the name studies were first stored under. Rows and the scripts that filter
 * on it keep it; pages call it a study.
 */
export const STUDY_GROUP_TYPE = 'batch';

export const groups = sqliteTable(
  'groups',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    // experiment | batch (a study) | label | conversation | judge | any string
    groupType: text('group_type').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    metadataJson: text('metadata_json', { mode: 'json' }).$type<JsonObject>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('groups_type_name_idx').on(t.groupType, t.name), index('groups_name_idx').on(t.name)],
);

export const groupMembers = sqliteTable(
  'group_members',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    groupId: integer('group_id')
      .notNull()
      .references(() => groups.id),
    callId: integer('call_id')
      .notNull()
      .references(() => rawCalls.id),
    addedAt: text('added_at')
      .notNull()
      .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
    position: integer('position'),
    role: text('role'),
  },
  (t) => [
    uniqueIndex('group_members_group_call_idx').on(t.groupId, t.callId),
    index('group_members_call_idx').on(t.callId),
  ],
);

/** Versioned prices: the row in force for a call is the latest effective_from at or before its created_at. */
export const modelPrices = sqliteTable(
  'model_prices',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    inputUsdPerMillion: real('input_usd_per_million').notNull(),
    outputUsdPerMillion: real('output_usd_per_million').notNull(),
    effectiveFrom: text('effective_from').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('model_prices_version_idx').on(t.provider, t.model, t.effectiveFrom)],
);

export type RawCall = typeof rawCalls.$inferSelect;
export type NewRawCall = typeof rawCalls.$inferInsert;
export type Group = typeof groups.$inferSelect;

/** A study matrix run; its calls are members of the study group with the same id. */
export const batches = sqliteTable('batches', {
  groupId: integer('group_id')
    .primaryKey()
    .references(() => groups.id),
  // creating | running | cancelling | cancelled | completed | interrupted (also derived: running, but
  // its runner is gone)
  status: text('status').notNull(),
  targetsJson: text('targets_json', { mode: 'json' }).$type<StudyTarget[]>().notNull(),
  samples: integer('samples').notNull(),
  concurrency: integer('concurrency').notNull(),
  template: text('template'),
  optionsJson: text('options_json', { mode: 'json' }).$type<JsonObject>().notNull(),
  createdAt: createdAt(),
  updatedAt: text('updated_at').notNull(),
  /** The run that owns the study: claimed by one conditional UPDATE, so two servers never run it at once. */
  runId: text('run_id'),
  /** Who runs it (JSON: host, pid, process start, app instance; or "queue"), to tell a dead runner from a live one. */
  runner: text('runner'),
  /** Refreshed by a live in-process run; a run silent for long is taken to be dead. */
  heartbeatAt: text('heartbeat_at'),
  /** Why the study stopped (interrupted or cancelled): shown with its status. */
  statusReason: text('status_reason'),
  // Task counts, kept by a trigger on batch_tasks: progress of a million-task study is one row read.
  tasksTotal: integer('tasks_total').notNull().default(0),
  tasksSuccess: integer('tasks_success').notNull().default(0),
  tasksFailed: integer('tasks_failed').notNull().default(0),
  /** The seed of the study's run order (batch_task_order); null for studies made before it, which run in item order. */
  runSeed: integer('run_seed'),
  /** The spending cap in USD (null: none): the runner starts no task that could take the spend past it. */
  budgetUsd: real('budget_usd'),
  /** Capture-time cost of the study's calls, kept by a trigger on raw_calls (see the budget migration). */
  spentUsd: real('spent_usd').notNull().default(0),
  /** Estimated cost of the tasks in flight, reserved by one conditional UPDATE before each starts (runner/budget-repository.ts). */
  reservedUsd: real('reserved_usd').notNull().default(0),
  // Runs of one study over time (studies/series/): a re-run records the run it repeats and the series'
  // first run (null on a first run, whose series is itself). Written from the stored study only.
  rerunOf: integer('rerun_of').references((): AnySQLiteColumn => groups.id),
  seriesId: integer('series_id').references((): AnySQLiteColumn => groups.id),
  /** On a series' first run: how often it runs again ("7d", "12h", "30m"); null when not scheduled. */
  scheduleEvery: text('schedule_every'),
  /** When the next scheduled run is due: claimed by one compare-and-set UPDATE, so no slot runs twice. */
  nextRunAt: text('next_run_at'),
  /** On a run started by the schedule: the slot it fills (the next_run_at it claimed). */
  scheduledFor: text('scheduled_for'),
  /** On a scheduled run: when its drift check against the previous run was taken (at most once). */
  driftCheckedAt: text('drift_checked_at'),
}, (t) => [
  index('batches_series_idx').on(t.seriesId),
  index('batches_next_run_idx').on(t.nextRunAt).where(sql`next_run_at IS NOT NULL`),
  // A backstop under the compare-and-set claim: one run per series per scheduled slot.
  uniqueIndex('batches_series_slot_idx').on(t.seriesId, t.scheduledFor).where(sql`scheduled_for IS NOT NULL`),
]);

export interface StudyTarget {
  provider: string;
  model: string;
  params: Record<string, unknown>;
  /** For targets expanded from a sweep: the grid values this target runs with (also in params). */
  sweep?: Record<string, unknown>;
  /** For targets crossed with prompt variants: the variant (options_json.prompts) its tasks are sent through. */
  prompt_name?: string;
}

export const batchItems = sqliteTable(
  'batch_items',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    batchId: integer('batch_id')
      .notNull()
      .references(() => batches.groupId),
    itemKey: text('item_key').notNull(),
    position: integer('position').notNull(),
    prompt: text('prompt'),
    messagesJson: text('messages_json', { mode: 'json' }).$type<ChatMessage[]>(),
    varsJson: text('vars_json', { mode: 'json' }).$type<Record<string, string>>(),
    /** The expected answer: a string, a number, or a list of acceptable ones (scorers read it). */
    expectedJson: text('expected_json', { mode: 'json' }).$type<unknown>(),
    /** Free per-item fields kept for slicing the statistics (category, difficulty…). */
    fieldsJson: text('fields_json', { mode: 'json' }).$type<Record<string, string | number | boolean | null>>(),
  },
  (t) => [
    uniqueIndex('batch_items_key_idx').on(t.batchId, t.itemKey),
    // Tasks are created a range of ordinals at a time, each joined to its item by position.
    uniqueIndex('batch_items_position_idx').on(t.batchId, t.position),
  ],
);

/**
 * One row per (item, target, sample index) — the unit that runs once. Its status and last call
 * are set by a trigger in the same statement that captures the call, so a crash can never leave
 * a captured success that resume would run again.
 */
export const batchTasks = sqliteTable(
  'batch_tasks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    batchId: integer('batch_id')
      .notNull()
      .references(() => batches.groupId),
    itemId: integer('item_id')
      .notNull()
      .references(() => batchItems.id),
    targetIndex: integer('target_index').notNull(),
    sampleIndex: integer('sample_index').notNull(),
    ordinal: integer('ordinal').notNull(),
    // pending | success | failed
    status: text('status').notNull().default('pending'),
    lastCallId: integer('last_call_id'),
    calls: integer('calls').notNull().default(0),
    /** Queue runs: the run that has taken this task, so a redelivered message never runs it twice. */
    claimedRun: text('claimed_run'),
    /** When it was taken: until the claim is older than a consumer can live, no other run calls it. */
    claimedAt: text('claimed_at'),
    // Copied from the task's last call by the capture trigger, so a study's latency percentiles,
    // tokens and cost are read from its tasks alone (see drizzle/0014_study_scores_triggers.sql).
    latencyMs: real('latency_ms'),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    costUsd: real('cost_usd'),
  },
  (t) => [
    uniqueIndex('batch_tasks_key_idx').on(t.batchId, t.itemId, t.targetIndex, t.sampleIndex),
    index('batch_tasks_status_idx').on(t.batchId, t.status, t.ordinal),
    // The runner reads unfinished tasks a page at a time in run order.
    index('batch_tasks_ordinal_idx').on(t.batchId, t.ordinal),
    // Latency percentiles of a target: the k-th row of this index, no sort.
    index('batch_tasks_latency_idx').on(t.batchId, t.targetIndex, t.latencyMs).where(sql`status = 'success'`),
  ],
);

/**
 * A study's run order: the task (by ordinal) each position runs, a seeded permutation written when the
 * study is created (src/studies/runner/run-order.ts) so that a study cut short holds a random sample of
 * its matrix. Kept apart from batch_tasks, and written in position order, so that neither table's
 * indexes take writes at random places while a million-task study is created; the runners read it
 * a range of positions at a time.
 */
export const batchTaskOrder = sqliteTable(
  'batch_task_order',
  {
    batchId: integer('batch_id')
      .notNull()
      .references(() => batches.groupId),
    runOrder: integer('run_order').notNull(),
    ordinal: integer('ordinal').notNull(),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.runOrder] })],
);

/**
 * One version of a named scorer of a study: its config and hash. Scoring again with the same name
 * adds version + 1; the scores of every version stay.
 */
export const scorerVersions = sqliteTable(
  'scorer_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    batchId: integer('batch_id')
      .notNull()
      .references(() => batches.groupId),
    scorer: text('scorer').notNull(),
    version: integer('version').notNull(),
    // exact | normalized_exact | contains | regex | numeric | valid_json | json_schema | semantic | llm_judge
    kind: text('kind').notNull(),
    configJson: text('config_json', { mode: 'json' }).$type<JsonObject>().notNull(),
    configHash: text('config_hash').notNull(),
    scoringRunId: integer('scoring_run_id').references((): AnySQLiteColumn => scoringRuns.id),
    /** The judge scorer's group of judge calls. */
    judgeGroupId: integer('judge_group_id').references(() => groups.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('scorer_versions_version_idx').on(t.batchId, t.scorer, t.version)],
);

/** A background run of one or more scorers over a study's answers, with its progress. */
export const scoringRuns = sqliteTable(
  'scoring_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    batchId: integer('batch_id')
      .notNull()
      .references(() => batches.groupId),
    // running | completed | failed (with error) | interrupted (taken over by a later run); a running run
    // whose runner is gone or whose heartbeat is stale shows as interrupted
    status: text('status').notNull(),
    /** Who runs it (as batches.runner: a process identity, or "queue"). */
    runner: text('runner'),
    /** The answers it scores: those captured up to this call. */
    lastCallId: integer('last_call_id'),
    /** Judge calls at a time. */
    concurrency: integer('concurrency'),
    /** Queue runs: ordinals per page (one message each), how many pages, and how many are scored. */
    pageSize: integer('page_size'),
    pages: integer('pages'),
    pagesDone: integer('pages_done').notNull().default(0),
    /** Calls to score × scorers. */
    total: integer('total').notNull(),
    done: integer('done').notNull().default(0),
    /** Scores that could not be given (no expected answer, nothing extracted to compare, a judge that failed). */
    unscored: integer('unscored').notNull().default(0),
    judgeCalls: integer('judge_calls').notNull().default(0),
    error: text('error'),
    createdAt: createdAt(),
    heartbeatAt: text('heartbeat_at').notNull(),
    finishedAt: text('finished_at'),
  },
  (t) => [index('scoring_runs_batch_idx').on(t.batchId, t.id)],
);

/**
 * The pages of a queue scoring run taken by a consumer: scores are append-only, so a page is claimed
 * (one conditional write) before it is scored, and its scores are stored only while the claim holds,
 * in the transaction that marks it done; a redelivered message finds it done (or held) and adds nothing.
 */
export const scoringPages = sqliteTable(
  'scoring_pages',
  {
    scoringRunId: integer('scoring_run_id')
      .notNull()
      .references(() => scoringRuns.id),
    page: integer('page').notNull(),
    /** The consumer holding it (a random token per attempt). */
    claimedBy: text('claimed_by').notNull(),
    claimedAt: text('claimed_at').notNull(),
    doneAt: text('done_at'),
  },
  (t) => [primaryKey({ columns: [t.scoringRunId, t.page] })],
);

/**
 * Scores of captured calls: one row per (call, scorer version), append-only like the calls they
 * judge. Human labels are scores with scorer = 'human'; the latest row of a call wins.
 */
export const scores = sqliteTable(
  'scores',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    callId: integer('call_id')
      .notNull()
      .references(() => rawCalls.id),
    // The study cell the call answers, copied from its task, so statistics aggregate on this table alone.
    batchId: integer('batch_id').references(() => batches.groupId),
    itemId: integer('item_id').references(() => batchItems.id),
    targetIndex: integer('target_index'),
    scorer: text('scorer').notNull(),
    kind: text('kind').notNull(),
    version: integer('version').notNull(),
    configHash: text('config_hash'),
    value: real('value'),
    label: text('label'),
    pass: integer('pass', { mode: 'boolean' }),
    /** The answer as compared (after extraction and normalisation): answer distributions count it. */
    answer: text('answer'),
    detailJson: text('detail_json', { mode: 'json' }).$type<JsonObject>().notNull(),
    /** The judge's own captured call, for llm_judge scores. */
    judgeCallId: integer('judge_call_id').references(() => rawCalls.id),
    createdAt: createdAt(),
    /** Who gave a human label: the signed-in session's hash, when access control identifies one. */
    createdBy: text('created_by'),
  },
  (t) => [
    // Covers the per item × target × answer aggregation of one scorer version.
    index('scores_report_idx').on(t.batchId, t.scorer, t.version, t.itemId, t.targetIndex, t.answer, t.pass),
    index('scores_call_idx').on(t.callId, t.scorer, t.id),
    index('scores_batch_idx').on(t.batchId, t.id),
  ],
);

/**
 * The vector indexes that exist: one per (model, dimension), each a table `table_name`
 * (id = embedding_vectors.id, vector F32_BLOB(dimension)) with a libsql_vector_idx over it.
 * Those tables, their indexes and their sync triggers are created on demand by
 * src/embeddings/vector-index.ts: their names and dimensions are data, not schema.
 */
export const embeddingIndexes = sqliteTable(
  'embedding_indexes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    model: text('model').notNull(),
    dimension: integer('dimension').notNull(),
    tableName: text('table_name').notNull(),
    /** The libsql_vector_idx settings it was built with (metric, neighbours, search list sizes). */
    options: text('options').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('embedding_indexes_model_dimension_idx').on(t.model, t.dimension), uniqueIndex('embedding_indexes_table_idx').on(t.tableName)],
);

/** Which cached embeddings a group (a sweep) used — hits included, which made no call of their own. */
export const embeddingGroupMembers = sqliteTable(
  'embedding_group_members',
  {
    groupId: integer('group_id')
      .notNull()
      .references(() => groups.id),
    vectorId: integer('vector_id')
      .notNull()
      .references(() => embeddingVectors.id),
    addedAt: text('added_at')
      .notNull()
      .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.vectorId] }), index('embedding_group_members_vector_idx').on(t.vectorId)],
);

/** v1 import bookkeeping: which inference_runs row became which call, so a re-run adds nothing twice. */
export const legacyImportedRuns = sqliteTable('legacy_imported_runs', {
  v1Id: integer('v1_id').primaryKey(),
  callId: integer('call_id')
    .notNull()
    .references(() => rawCalls.id),
  createdAt: createdAt(),
});

/** v1 import bookkeeping: which v1 batch_id became which study group (group_type `batch`). */
export const legacyImportedBatches = sqliteTable('legacy_imported_batches', {
  v1BatchId: text('v1_batch_id').primaryKey(),
  groupId: integer('group_id')
    .notNull()
    .references(() => groups.id),
  createdAt: createdAt(),
});

/**
 * Signed-in browser sessions. The cookie holds a random secret; this table holds only its SHA-256,
 * so a database copy signs no one in. Signing out revokes the row; a changed access token no longer
 * matches `token_fingerprint` (an HMAC of the token), which signs everyone out.
 */
export const sessions = sqliteTable('sessions', {
  id: text('id').primaryKey(),
  tokenFingerprint: text('token_fingerprint').notNull(),
  createdAt: createdAt(),
  expiresAt: text('expires_at').notNull(),
  revokedAt: text('revoked_at'),
});
