CREATE TABLE `batch_task_order` (
	`batch_id` integer NOT NULL,
	`run_order` integer NOT NULL,
	`ordinal` integer NOT NULL,
	PRIMARY KEY(`batch_id`, `run_order`),
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`group_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `scoring_pages` (
	`scoring_run_id` integer NOT NULL,
	`page` integer NOT NULL,
	`claimed_by` text NOT NULL,
	`claimed_at` text NOT NULL,
	`done_at` text,
	PRIMARY KEY(`scoring_run_id`, `page`),
	FOREIGN KEY (`scoring_run_id`) REFERENCES `scoring_runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `batches` ADD `run_seed` integer;--> statement-breakpoint
ALTER TABLE `scoring_runs` ADD `runner` text;--> statement-breakpoint
ALTER TABLE `scoring_runs` ADD `last_call_id` integer;--> statement-breakpoint
ALTER TABLE `scoring_runs` ADD `concurrency` integer;--> statement-breakpoint
ALTER TABLE `scoring_runs` ADD `page_size` integer;--> statement-breakpoint
ALTER TABLE `scoring_runs` ADD `pages` integer;--> statement-breakpoint
ALTER TABLE `scoring_runs` ADD `pages_done` integer DEFAULT 0 NOT NULL;