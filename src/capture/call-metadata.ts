// What a captured call's metadata_json holds: the app's own keys, then anything the caller added.
// The app's keys are written after the caller's, so a caller can never set them; a caller who tries
// is told so (400) rather than silently overruled. Bookkeeping never reads metadata_json at all: the
// links to batch tasks and conversations are real columns (raw_calls.batch_task_id, conversation_id).

/** Keys the app writes into metadata_json; caller metadata may not use them. */
export const RESERVED_METADATA_KEYS = [
  'source', 'attempts', 'total_ms', 'deduplicated', 'sample_index', 'samples', 'preprocessing', 'group_id',
  'batch_id', 'batch_task_id', 'item_key', 'target_index', 'conversation_id', 'turn', 'stream',
  'usage_requested_by_gateway', 'user_agent', 'client_aborted', 'deployment_probe', 'request', 'requests',
  'duplicate_of_batch_task', 'v1_id', 'v1_created_at', 'v1_batch_id', 'v1_metadata', 'cache_hits',
  'judged_call_id', 'judge_group_id', 'scorer', 'scorer_version', 'scoring_run_id',
  'translated_after', 'probe_ms',
] as const;

const RESERVED = new Set<string>(RESERVED_METADATA_KEYS);

/** The first key of caller metadata that the app reserves, if any. */
export const reservedMetadataKey = (metadata: Record<string, unknown>): string | undefined =>
  Object.keys(metadata).find((key) => RESERVED.has(key));

export const reservedKeyMessage = (key: string) =>
  `"${key}" is written by the app itself and cannot be set by the caller (reserved: ${RESERVED_METADATA_KEYS.join(', ')})`;
