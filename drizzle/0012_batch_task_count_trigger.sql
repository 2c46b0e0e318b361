-- Hand-written: drizzle-kit cannot express triggers.
-- batches.tasks_success / tasks_failed follow every change of a task's status, so a batch's progress
-- is one row read instead of a count over its tasks (a million of them took ~100 ms, on every poll).
UPDATE `batches` SET
  `tasks_total` = (SELECT count(*) FROM `batch_tasks` t WHERE t.`batch_id` = `batches`.`group_id`),
  `tasks_success` = (SELECT count(*) FROM `batch_tasks` t WHERE t.`batch_id` = `batches`.`group_id` AND t.`status` = 'success'),
  `tasks_failed` = (SELECT count(*) FROM `batch_tasks` t WHERE t.`batch_id` = `batches`.`group_id` AND t.`status` = 'failed');
--> statement-breakpoint
CREATE TRIGGER `batch_tasks_count_status` AFTER UPDATE OF `status` ON `batch_tasks`
WHEN OLD.status IS NOT NEW.status
BEGIN
  UPDATE `batches`
     SET `tasks_success` = `tasks_success` + (NEW.status = 'success') - (OLD.status = 'success'),
         `tasks_failed` = `tasks_failed` + (NEW.status = 'failed') - (OLD.status = 'failed')
   WHERE `group_id` = NEW.batch_id;
END;
