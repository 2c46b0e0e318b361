CREATE TABLE `scorer_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`batch_id` integer NOT NULL,
	`scorer` text NOT NULL,
	`version` integer NOT NULL,
	`kind` text NOT NULL,
	`config_json` text NOT NULL,
	`config_hash` text NOT NULL,
	`scoring_run_id` integer,
	`judge_group_id` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`group_id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`scoring_run_id`) REFERENCES `scoring_runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`judge_group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scorer_versions_version_idx` ON `scorer_versions` (`batch_id`,`scorer`,`version`);--> statement-breakpoint
CREATE TABLE `scores` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`call_id` integer NOT NULL,
	`batch_id` integer,
	`item_id` integer,
	`target_index` integer,
	`scorer` text NOT NULL,
	`kind` text NOT NULL,
	`version` integer NOT NULL,
	`config_hash` text,
	`value` real,
	`label` text,
	`pass` integer,
	`answer` text,
	`detail_json` text NOT NULL,
	`judge_call_id` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`created_by` text,
	FOREIGN KEY (`call_id`) REFERENCES `raw_calls`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`group_id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`item_id`) REFERENCES `batch_items`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`judge_call_id`) REFERENCES `raw_calls`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `scores_report_idx` ON `scores` (`batch_id`,`scorer`,`version`,`item_id`,`target_index`,`answer`,`pass`);--> statement-breakpoint
CREATE INDEX `scores_call_idx` ON `scores` (`call_id`,`scorer`,`id`);--> statement-breakpoint
CREATE INDEX `scores_batch_idx` ON `scores` (`batch_id`,`id`);--> statement-breakpoint
CREATE TABLE `scoring_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`batch_id` integer NOT NULL,
	`status` text NOT NULL,
	`total` integer NOT NULL,
	`done` integer DEFAULT 0 NOT NULL,
	`unscored` integer DEFAULT 0 NOT NULL,
	`judge_calls` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`heartbeat_at` text NOT NULL,
	`finished_at` text,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`group_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `scoring_runs_batch_idx` ON `scoring_runs` (`batch_id`,`id`);--> statement-breakpoint
ALTER TABLE `batch_items` ADD `expected_json` text;--> statement-breakpoint
ALTER TABLE `batch_items` ADD `fields_json` text;--> statement-breakpoint
ALTER TABLE `batch_tasks` ADD `latency_ms` real;--> statement-breakpoint
ALTER TABLE `batch_tasks` ADD `prompt_tokens` integer;--> statement-breakpoint
ALTER TABLE `batch_tasks` ADD `completion_tokens` integer;--> statement-breakpoint
ALTER TABLE `batch_tasks` ADD `cost_usd` real;--> statement-breakpoint
CREATE INDEX `batch_tasks_latency_idx` ON `batch_tasks` (`batch_id`,`target_index`,`latency_ms`) WHERE status = 'success';