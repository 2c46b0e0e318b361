ALTER TABLE `raw_calls` ADD `request_id` text;--> statement-breakpoint
ALTER TABLE `raw_calls` ADD `client_api` text;--> statement-breakpoint
CREATE INDEX `raw_calls_request_id_idx` ON `raw_calls` (`request_id`) WHERE request_id IS NOT NULL;