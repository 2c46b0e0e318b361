ALTER TABLE `batches` ADD `budget_usd` real;--> statement-breakpoint
ALTER TABLE `batches` ADD `spent_usd` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `batches` ADD `reserved_usd` real DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Hand-written: drizzle-kit cannot express triggers.
-- A study's spend is its calls' capture-time cost, added in the statement that captures each call, so
-- the runner's budget check (one conditional UPDATE on batches) reads it from one row, and two runners
-- over one database see the same spend.
CREATE TRIGGER `raw_calls_batch_spend` AFTER INSERT ON `raw_calls`
WHEN NEW.batch_task_id IS NOT NULL AND NEW.cost_usd IS NOT NULL
BEGIN
  UPDATE `batches` SET `spent_usd` = `spent_usd` + NEW.cost_usd
   WHERE `group_id` = (SELECT `batch_id` FROM `batch_tasks` WHERE `id` = NEW.batch_task_id);
END;
--> statement-breakpoint
-- Studies captured before: their spend so far (only a task's success row is priced, and each task keeps its cost).
UPDATE `batches` SET `spent_usd` = coalesce((SELECT sum(`cost_usd`) FROM `batch_tasks` WHERE `batch_id` = `batches`.`group_id`), 0);
