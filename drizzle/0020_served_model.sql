ALTER TABLE `raw_calls` ADD `served_model` text;--> statement-breakpoint
ALTER TABLE `raw_calls` ADD `system_fingerprint` text;