CREATE TABLE `call_artifacts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`call_id` integer NOT NULL,
	`uri` text NOT NULL,
	`content_type` text NOT NULL,
	`byte_size` integer,
	`metadata_json` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`call_id`) REFERENCES `raw_calls`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `call_artifacts_call_id_idx` ON `call_artifacts` (`call_id`);--> statement-breakpoint
CREATE TABLE `embedding_vectors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`call_id` integer NOT NULL,
	`request_hash` text NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`dimension` integer NOT NULL,
	`vector` F32_BLOB NOT NULL,
	`norm` real NOT NULL,
	`metadata_json` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`call_id`) REFERENCES `raw_calls`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `embedding_vectors_request_hash_idx` ON `embedding_vectors` (`request_hash`);--> statement-breakpoint
CREATE INDEX `embedding_vectors_model_dimension_idx` ON `embedding_vectors` (`model`,`dimension`);--> statement-breakpoint
CREATE TABLE `group_members` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`group_id` integer NOT NULL,
	`call_id` integer NOT NULL,
	`added_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`position` integer,
	`role` text,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`call_id`) REFERENCES `raw_calls`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `group_members_group_call_idx` ON `group_members` (`group_id`,`call_id`);--> statement-breakpoint
CREATE INDEX `group_members_call_idx` ON `group_members` (`call_id`);--> statement-breakpoint
CREATE TABLE `groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`group_type` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`metadata_json` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `groups_type_name_idx` ON `groups` (`group_type`,`name`);--> statement-breakpoint
CREATE INDEX `groups_name_idx` ON `groups` (`name`);--> statement-breakpoint
CREATE TABLE `model_prices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`input_usd_per_million` real NOT NULL,
	`output_usd_per_million` real NOT NULL,
	`effective_from` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `model_prices_version_idx` ON `model_prices` (`provider`,`model`,`effective_from`);--> statement-breakpoint
CREATE TABLE `raw_calls` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`modality` text NOT NULL,
	`status` text NOT NULL,
	`request_json` text NOT NULL,
	`response_json` text,
	`error_json` text,
	`latency_ms` real,
	`tokens_json` text,
	`prompt_tokens` integer,
	`completion_tokens` integer,
	`total_tokens` integer,
	`cost_usd` real,
	`request_hash` text NOT NULL,
	`metadata_json` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `raw_calls_created_at_idx` ON `raw_calls` (`created_at`);--> statement-breakpoint
CREATE INDEX `raw_calls_provider_model_created_idx` ON `raw_calls` (`provider`,`model`,`created_at`);--> statement-breakpoint
CREATE INDEX `raw_calls_status_created_idx` ON `raw_calls` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `raw_calls_request_hash_idx` ON `raw_calls` (`request_hash`);