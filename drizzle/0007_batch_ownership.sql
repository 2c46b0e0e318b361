ALTER TABLE `batch_tasks` ADD `claimed_run` text;--> statement-breakpoint
ALTER TABLE `batches` ADD `run_id` text;--> statement-breakpoint
ALTER TABLE `batches` ADD `runner` text;--> statement-breakpoint
ALTER TABLE `batches` ADD `heartbeat_at` text;--> statement-breakpoint
ALTER TABLE `batches` ADD `status_reason` text;--> statement-breakpoint
ALTER TABLE `raw_calls` ADD `batch_task_id` integer REFERENCES batch_tasks(id);--> statement-breakpoint
ALTER TABLE `raw_calls` ADD `conversation_id` integer REFERENCES groups(id);--> statement-breakpoint
CREATE UNIQUE INDEX `raw_calls_batch_task_success_idx` ON `raw_calls` (`batch_task_id`) WHERE status = 'success' AND batch_task_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `raw_calls_conversation_idx` ON `raw_calls` (`conversation_id`) WHERE conversation_id IS NOT NULL;