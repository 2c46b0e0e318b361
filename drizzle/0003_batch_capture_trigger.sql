-- Hand-written: drizzle-kit cannot express triggers.
-- A call captured for a batch task updates that task and joins the batch group in the same
-- statement as the capture itself: a crash can never separate "captured" from "done".
CREATE TRIGGER `raw_calls_batch_task` AFTER INSERT ON `raw_calls`
WHEN json_extract(NEW.metadata_json, '$.batch_task_id') IS NOT NULL
BEGIN
  UPDATE `batch_tasks`
     SET `status` = CASE WHEN `status` = 'success' OR NEW.status = 'success' THEN 'success' ELSE 'failed' END,
         `last_call_id` = CASE WHEN `status` = 'success' THEN `last_call_id` ELSE NEW.id END,
         `calls` = `calls` + 1
   WHERE `id` = json_extract(NEW.metadata_json, '$.batch_task_id');
  INSERT OR IGNORE INTO `group_members` (`group_id`, `call_id`, `added_at`, `position`, `role`)
  SELECT `batch_id`, NEW.id, NEW.created_at, `ordinal`, 'sample'
    FROM `batch_tasks` WHERE `id` = json_extract(NEW.metadata_json, '$.batch_task_id');
END;
