ALTER TABLE `batches` ADD `rerun_of` integer REFERENCES groups(id);--> statement-breakpoint
ALTER TABLE `batches` ADD `series_id` integer REFERENCES groups(id);--> statement-breakpoint
ALTER TABLE `batches` ADD `schedule_every` text;--> statement-breakpoint
ALTER TABLE `batches` ADD `next_run_at` text;--> statement-breakpoint
ALTER TABLE `batches` ADD `scheduled_for` text;--> statement-breakpoint
ALTER TABLE `batches` ADD `drift_checked_at` text;--> statement-breakpoint
CREATE INDEX `batches_series_idx` ON `batches` (`series_id`);--> statement-breakpoint
CREATE INDEX `batches_next_run_idx` ON `batches` (`next_run_at`) WHERE next_run_at IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `batches_series_slot_idx` ON `batches` (`series_id`,`scheduled_for`) WHERE scheduled_for IS NOT NULL;