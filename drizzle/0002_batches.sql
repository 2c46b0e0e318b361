CREATE TABLE `batch_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`batch_id` integer NOT NULL,
	`item_key` text NOT NULL,
	`position` integer NOT NULL,
	`prompt` text,
	`messages_json` text,
	`vars_json` text,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`group_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `batch_items_key_idx` ON `batch_items` (`batch_id`,`item_key`);--> statement-breakpoint
CREATE TABLE `batch_tasks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`batch_id` integer NOT NULL,
	`item_id` integer NOT NULL,
	`target_index` integer NOT NULL,
	`sample_index` integer NOT NULL,
	`ordinal` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`last_call_id` integer,
	`calls` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`group_id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`item_id`) REFERENCES `batch_items`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `batch_tasks_key_idx` ON `batch_tasks` (`batch_id`,`item_id`,`target_index`,`sample_index`);--> statement-breakpoint
CREATE INDEX `batch_tasks_status_idx` ON `batch_tasks` (`batch_id`,`status`,`ordinal`);--> statement-breakpoint
CREATE TABLE `batches` (
	`group_id` integer PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`targets_json` text NOT NULL,
	`samples` integer NOT NULL,
	`concurrency` integer NOT NULL,
	`template` text,
	`options_json` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE no action
);
