-- Hand-written: drizzle-kit cannot express triggers.
-- Bookkeeping comes from real columns that only our own services write, never from caller JSON.
-- Until now a captured row marked a batch task done when its metadata_json carried `batch_task_id`,
-- which any caller could put there (POST /api/v1/inference metadata, x-study-metadata): a stranger
-- could mark another batch's task done and put their answer into its results.
DROP TRIGGER IF EXISTS `raw_calls_batch_task`;
--> statement-breakpoint
CREATE TRIGGER `raw_calls_batch_task` AFTER INSERT ON `raw_calls`
WHEN NEW.batch_task_id IS NOT NULL
BEGIN
  UPDATE `batch_tasks`
     SET `status` = CASE WHEN `status` = 'success' OR NEW.status = 'success' THEN 'success' ELSE 'failed' END,
         `last_call_id` = CASE WHEN `status` = 'success' THEN `last_call_id` ELSE NEW.id END,
         `calls` = `calls` + 1
   WHERE `id` = NEW.batch_task_id;
  INSERT OR IGNORE INTO `group_members` (`group_id`, `call_id`, `added_at`, `position`, `role`)
  SELECT `batch_id`, NEW.id, NEW.created_at, `ordinal`, 'sample' FROM `batch_tasks` WHERE `id` = NEW.batch_task_id;
END;
--> statement-breakpoint
-- A conversation turn joins its conversation in the statement that captures it: a crash can never
-- leave a captured turn outside its history.
CREATE TRIGGER `raw_calls_conversation_turn` AFTER INSERT ON `raw_calls`
WHEN NEW.conversation_id IS NOT NULL
BEGIN
  INSERT INTO `group_members` (`group_id`, `call_id`, `added_at`, `position`, `role`)
  VALUES (NEW.conversation_id, NEW.id, NEW.created_at,
          (SELECT coalesce(max(`position`), -1) + 1 FROM `group_members` WHERE `group_id` = NEW.conversation_id), 'turn');
END;
--> statement-breakpoint
-- Conversation and batch groups have owners: a conversation takes only calls captured as its turns,
-- a study run only calls captured for its tasks, so nothing foreign is ever sent as history or
-- counted as a result. (Batch groups imported from v1 have no `batches` row and stay open to the
-- importer; the API refuses every batch and conversation group anyway, with a clearer message.)
CREATE TRIGGER `group_members_owned_groups` BEFORE INSERT ON `group_members`
WHEN (
    (SELECT `group_type` FROM `groups` WHERE `id` = NEW.group_id) = 'conversation'
    AND NOT EXISTS (SELECT 1 FROM `raw_calls` WHERE `id` = NEW.call_id AND `conversation_id` = NEW.group_id)
  ) OR (
    EXISTS (SELECT 1 FROM `batches` WHERE `group_id` = NEW.group_id)
    AND NOT EXISTS (
      SELECT 1 FROM `raw_calls` c JOIN `batch_tasks` t ON t.`id` = c.`batch_task_id`
       WHERE c.`id` = NEW.call_id AND t.`batch_id` = NEW.group_id)
  )
BEGIN
  SELECT RAISE(ABORT, 'group_members: conversation and batch groups take only their own calls');
END;
