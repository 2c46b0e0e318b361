-- Hand-written: drizzle-kit cannot express triggers.
-- A task now keeps its last call's latency, tokens and capture-time cost beside its status, set in the
-- statement that captures the call (as status and last_call_id already were): a study's latency
-- percentiles, tokens and cost are then read from batch_tasks and its latency index alone, without
-- reading a hundred thousand raw_calls rows on every page load.
DROP TRIGGER IF EXISTS `raw_calls_batch_task`;
--> statement-breakpoint
CREATE TRIGGER `raw_calls_batch_task` AFTER INSERT ON `raw_calls`
WHEN NEW.batch_task_id IS NOT NULL
BEGIN
  UPDATE `batch_tasks`
     SET `status` = CASE WHEN `status` = 'success' OR NEW.status = 'success' THEN 'success' ELSE 'failed' END,
         `last_call_id` = CASE WHEN `status` = 'success' THEN `last_call_id` ELSE NEW.id END,
         `calls` = `calls` + 1,
         `latency_ms` = CASE WHEN `status` = 'success' THEN `latency_ms` ELSE NEW.latency_ms END,
         `prompt_tokens` = CASE WHEN `status` = 'success' THEN `prompt_tokens` ELSE NEW.prompt_tokens END,
         `completion_tokens` = CASE WHEN `status` = 'success' THEN `completion_tokens` ELSE NEW.completion_tokens END,
         `cost_usd` = CASE WHEN `status` = 'success' THEN `cost_usd` ELSE NEW.cost_usd END
   WHERE `id` = NEW.batch_task_id;
  INSERT OR IGNORE INTO `group_members` (`group_id`, `call_id`, `added_at`, `position`, `role`)
  SELECT `batch_id`, NEW.id, NEW.created_at, `ordinal`, 'sample' FROM `batch_tasks` WHERE `id` = NEW.batch_task_id;
END;
--> statement-breakpoint
UPDATE `batch_tasks`
   SET (`latency_ms`, `prompt_tokens`, `completion_tokens`, `cost_usd`) =
       (SELECT c.`latency_ms`, c.`prompt_tokens`, c.`completion_tokens`, c.`cost_usd` FROM `raw_calls` c WHERE c.`id` = `batch_tasks`.`last_call_id`)
 WHERE `last_call_id` IS NOT NULL;
--> statement-breakpoint
-- Scores are append-only, like the calls they judge: re-scoring adds a version, a new human label
-- adds a row (the latest wins), and nothing given is ever changed or taken back.
CREATE TRIGGER `scores_no_update` BEFORE UPDATE ON `scores`
BEGIN
  SELECT RAISE(ABORT, 'scores are append-only: score again to add a new version');
END;
--> statement-breakpoint
CREATE TRIGGER `scores_no_delete` BEFORE DELETE ON `scores`
BEGIN
  SELECT RAISE(ABORT, 'scores are append-only: score again to add a new version');
END;
--> statement-breakpoint
-- Judge groups join conversation and batch groups as owned: a judge group takes only the judge calls
-- made for it. Judge calls have no link column of their own; they are told by `source` and
-- `judge_group_id` in their metadata, keys the app alone writes (every caller path refuses them).
DROP TRIGGER IF EXISTS `group_members_owned_groups`;
--> statement-breakpoint
CREATE TRIGGER `group_members_owned_groups` BEFORE INSERT ON `group_members`
WHEN (
    (SELECT `group_type` FROM `groups` WHERE `id` = NEW.group_id) = 'conversation'
    AND NOT EXISTS (SELECT 1 FROM `raw_calls` WHERE `id` = NEW.call_id AND `conversation_id` = NEW.group_id)
  ) OR (
    (SELECT `group_type` FROM `groups` WHERE `id` = NEW.group_id) = 'judge'
    AND NOT EXISTS (
      SELECT 1 FROM `raw_calls` WHERE `id` = NEW.call_id
         AND json_extract(`metadata_json`, '$.source') = 'judge'
         AND json_extract(`metadata_json`, '$.judge_group_id') = NEW.group_id)
  ) OR (
    EXISTS (SELECT 1 FROM `batches` WHERE `group_id` = NEW.group_id)
    AND NOT EXISTS (
      SELECT 1 FROM `raw_calls` c JOIN `batch_tasks` t ON t.`id` = c.`batch_task_id`
       WHERE c.`id` = NEW.call_id AND t.`batch_id` = NEW.group_id)
  )
BEGIN
  SELECT RAISE(ABORT, 'group_members: conversation and batch groups take only their own calls, judge groups only their judge calls');
END;
