ALTER TABLE `batches` ADD `tasks_total` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `batches` ADD `tasks_success` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `batches` ADD `tasks_failed` integer DEFAULT 0 NOT NULL;