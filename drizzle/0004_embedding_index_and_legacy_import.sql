CREATE TABLE `embedding_group_members` (
	`group_id` integer NOT NULL,
	`vector_id` integer NOT NULL,
	`added_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`group_id`, `vector_id`),
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`vector_id`) REFERENCES `embedding_vectors`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `embedding_group_members_vector_idx` ON `embedding_group_members` (`vector_id`);--> statement-breakpoint
CREATE TABLE `embedding_indexes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model` text NOT NULL,
	`dimension` integer NOT NULL,
	`table_name` text NOT NULL,
	`options` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `embedding_indexes_model_dimension_idx` ON `embedding_indexes` (`model`,`dimension`);--> statement-breakpoint
CREATE UNIQUE INDEX `embedding_indexes_table_idx` ON `embedding_indexes` (`table_name`);--> statement-breakpoint
CREATE TABLE `legacy_imported_batches` (
	`v1_batch_id` text PRIMARY KEY NOT NULL,
	`group_id` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `legacy_imported_runs` (
	`v1_id` integer PRIMARY KEY NOT NULL,
	`call_id` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`call_id`) REFERENCES `raw_calls`(`id`) ON UPDATE no action ON DELETE no action
);
