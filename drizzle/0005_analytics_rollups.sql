-- Hand-written: drizzle-kit cannot express triggers or WITHOUT ROWID tables.
-- Dashboard rollups of raw_calls. raw_calls is append-only (see 0001), so AFTER INSERT triggers keep
-- them exact for good: derived data that can be dropped and rebuilt from raw_calls with the backfill
-- statements below. A captured row costs one UPSERT per rollup: hourly and daily totals, plus the
-- daily and all-time latency histograms when it is a timed success.
--
-- Time keys are ISO-8601 UTC text: `hour` '2026-11-26T13:00:00.000Z', `day` '2026-11-26'. Both compare
-- directly with created_at and with model_prices.effective_from, which is a date (00:00 UTC), so a
-- price version always covers whole days — exactly the dashboard's windows.
-- Latency sums and the histogram count successful calls only: a failure's latency is mostly retries.

-- Per provider, model and UTC hour: for time series.
CREATE TABLE `call_rollup_hourly` (
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`hour` text NOT NULL,
	`calls` integer NOT NULL,
	`failed_calls` integer NOT NULL,
	-- calls that reported token counts: only these can be priced
	`tokenized_calls` integer NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`total_tokens` integer NOT NULL,
	`latency_calls` integer NOT NULL,
	`latency_ms_sum` real NOT NULL,
	PRIMARY KEY (`provider`, `model`, `hour`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Time series read a window of hours across all models.
CREATE INDEX `call_rollup_hourly_hour_idx` ON `call_rollup_hourly` (`hour`);
--> statement-breakpoint
-- The same per UTC day: summary and provider comparison over any window of whole days. Keyed
-- model-first, so each price version prices one contiguous range of its model's days.
CREATE TABLE `call_rollup_daily` (
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`day` text NOT NULL,
	`calls` integer NOT NULL,
	`failed_calls` integer NOT NULL,
	`tokenized_calls` integer NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`total_tokens` integer NOT NULL,
	`latency_calls` integer NOT NULL,
	`latency_ms_sum` real NOT NULL,
	PRIMARY KEY (`provider`, `model`, `day`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Log-scale latency buckets for percentiles: bucket 0 is [0, 0.01 ms), bucket b ≥ 1 is
-- [0.01 × 1.05^(b-1), 0.01 × 1.05^b) ms, the last one (from ≈ 4.5 days) open-ended. A percentile is
-- reported as its bucket's geometric midpoint `mid_ms`: within ±2.5% of the exact value.
-- A lookup table rather than ln(): math functions are not in every libSQL build.
CREATE TABLE `latency_buckets` (
	`lower_ms` real PRIMARY KEY NOT NULL,
	`bucket` integer NOT NULL UNIQUE,
	`upper_ms` real,
	`mid_ms` real NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `latency_buckets` (`lower_ms`, `bucket`, `upper_ms`, `mid_ms`)
WITH RECURSIVE b(bucket, lower_ms) AS (
  SELECT 1, 0.01
  UNION ALL
  SELECT bucket + 1, lower_ms * 1.05 FROM b WHERE bucket < 499
)
SELECT 0, 0, 0.01, 0.005
UNION ALL
SELECT lower_ms, bucket, CASE WHEN bucket < 499 THEN lower_ms * 1.05 END, lower_ms * 1.0246950765959598 FROM b;
--> statement-breakpoint
-- Successful calls per UTC day, provider, model and latency bucket: p50/p95 over a window of days
-- reads only that window's days.
CREATE TABLE `call_latency_daily` (
	`day` text NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`bucket` integer NOT NULL,
	`calls` integer NOT NULL,
	PRIMARY KEY (`day`, `provider`, `model`, `bucket`)
) WITHOUT ROWID;
--> statement-breakpoint
-- The same over all time, so percentiles with no window read a few rows per model, not every day's.
CREATE TABLE `call_latency_total` (
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`bucket` integer NOT NULL,
	`calls` integer NOT NULL,
	PRIMARY KEY (`provider`, `model`, `bucket`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Backfill what was captured before this migration.
INSERT INTO `call_rollup_hourly`
SELECT `provider`, `model`, coalesce(strftime('%Y-%m-%dT%H:00:00.000Z', `created_at`), `created_at`),
       count(*), sum(`status` = 'failed'), sum(`prompt_tokens` IS NOT NULL OR `completion_tokens` IS NOT NULL),
       coalesce(sum(`prompt_tokens`), 0), coalesce(sum(`completion_tokens`), 0), coalesce(sum(`total_tokens`), 0),
       count(CASE WHEN `status` = 'success' THEN `latency_ms` END), coalesce(sum(CASE WHEN `status` = 'success' THEN `latency_ms` END), 0)
  FROM `raw_calls`
 GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO `call_rollup_daily`
SELECT `provider`, `model`, substr(`hour`, 1, 10), sum(`calls`), sum(`failed_calls`), sum(`tokenized_calls`), sum(`prompt_tokens`),
       sum(`completion_tokens`), sum(`total_tokens`), sum(`latency_calls`), sum(`latency_ms_sum`)
  FROM `call_rollup_hourly`
 GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO `call_latency_daily`
SELECT coalesce(strftime('%Y-%m-%d', `created_at`), substr(`created_at`, 1, 10)), `provider`, `model`,
       coalesce((SELECT `bucket` FROM `latency_buckets` WHERE `lower_ms` <= `latency_ms` ORDER BY `lower_ms` DESC LIMIT 1), 0),
       count(*)
  FROM `raw_calls`
 WHERE `status` = 'success' AND `latency_ms` IS NOT NULL
 GROUP BY 1, 2, 3, 4;
--> statement-breakpoint
INSERT INTO `call_latency_total`
SELECT `provider`, `model`, `bucket`, sum(`calls`) FROM `call_latency_daily` GROUP BY 1, 2, 3;
--> statement-breakpoint
CREATE TRIGGER `raw_calls_rollup` AFTER INSERT ON `raw_calls`
BEGIN
  INSERT INTO `call_rollup_hourly` VALUES (
    NEW.provider, NEW.model, coalesce(strftime('%Y-%m-%dT%H:00:00.000Z', NEW.created_at), NEW.created_at),
    1, NEW.status = 'failed', NEW.prompt_tokens IS NOT NULL OR NEW.completion_tokens IS NOT NULL,
    coalesce(NEW.prompt_tokens, 0), coalesce(NEW.completion_tokens, 0), coalesce(NEW.total_tokens, 0),
    NEW.status = 'success' AND NEW.latency_ms IS NOT NULL, CASE WHEN NEW.status = 'success' THEN coalesce(NEW.latency_ms, 0) ELSE 0 END
  )
  ON CONFLICT DO UPDATE SET
    `calls` = `calls` + 1,
    `failed_calls` = `failed_calls` + excluded.`failed_calls`,
    `tokenized_calls` = `tokenized_calls` + excluded.`tokenized_calls`,
    `prompt_tokens` = `prompt_tokens` + excluded.`prompt_tokens`,
    `completion_tokens` = `completion_tokens` + excluded.`completion_tokens`,
    `total_tokens` = `total_tokens` + excluded.`total_tokens`,
    `latency_calls` = `latency_calls` + excluded.`latency_calls`,
    `latency_ms_sum` = `latency_ms_sum` + excluded.`latency_ms_sum`;
  INSERT INTO `call_rollup_daily` VALUES (
    NEW.provider, NEW.model, coalesce(strftime('%Y-%m-%d', NEW.created_at), substr(NEW.created_at, 1, 10)),
    1, NEW.status = 'failed', NEW.prompt_tokens IS NOT NULL OR NEW.completion_tokens IS NOT NULL,
    coalesce(NEW.prompt_tokens, 0), coalesce(NEW.completion_tokens, 0), coalesce(NEW.total_tokens, 0),
    NEW.status = 'success' AND NEW.latency_ms IS NOT NULL, CASE WHEN NEW.status = 'success' THEN coalesce(NEW.latency_ms, 0) ELSE 0 END
  )
  ON CONFLICT DO UPDATE SET
    `calls` = `calls` + 1,
    `failed_calls` = `failed_calls` + excluded.`failed_calls`,
    `tokenized_calls` = `tokenized_calls` + excluded.`tokenized_calls`,
    `prompt_tokens` = `prompt_tokens` + excluded.`prompt_tokens`,
    `completion_tokens` = `completion_tokens` + excluded.`completion_tokens`,
    `total_tokens` = `total_tokens` + excluded.`total_tokens`,
    `latency_calls` = `latency_calls` + excluded.`latency_calls`,
    `latency_ms_sum` = `latency_ms_sum` + excluded.`latency_ms_sum`;
END;
--> statement-breakpoint
CREATE TRIGGER `raw_calls_rollup_latency` AFTER INSERT ON `raw_calls`
WHEN NEW.status = 'success' AND NEW.latency_ms IS NOT NULL
BEGIN
  INSERT INTO `call_latency_daily` VALUES (
    coalesce(strftime('%Y-%m-%d', NEW.created_at), substr(NEW.created_at, 1, 10)), NEW.provider, NEW.model,
    coalesce((SELECT `bucket` FROM `latency_buckets` WHERE `lower_ms` <= NEW.latency_ms ORDER BY `lower_ms` DESC LIMIT 1), 0),
    1
  )
  ON CONFLICT DO UPDATE SET `calls` = `calls` + 1;
  INSERT INTO `call_latency_total` VALUES (
    NEW.provider, NEW.model,
    coalesce((SELECT `bucket` FROM `latency_buckets` WHERE `lower_ms` <= NEW.latency_ms ORDER BY `lower_ms` DESC LIMIT 1), 0),
    1
  )
  ON CONFLICT DO UPDATE SET `calls` = `calls` + 1;
END;
--> statement-breakpoint
-- Seed prices: OpenAI's public list prices in USD per million tokens (standard tier, uncached input)
-- as published at their effective_from date. A starting point, editable on /prices and through
-- POST /api/v1/prices; a correction or a newer version re-prices the dashboard at once.
-- `echo` is the offline demo provider: it genuinely costs nothing.
INSERT OR IGNORE INTO `model_prices` (`provider`, `model`, `input_usd_per_million`, `output_usd_per_million`, `effective_from`) VALUES
  ('openai', 'gpt-4o', 2.5, 10, '2025-01-01'),
  ('openai', 'gpt-4o-mini', 0.15, 0.6, '2025-01-01'),
  ('openai', 'gpt-4.1', 2, 8, '2025-01-01'),
  ('openai', 'gpt-4.1-mini', 0.4, 1.6, '2025-01-01'),
  ('openai', 'gpt-4.1-nano', 0.1, 0.4, '2025-01-01'),
  ('openai', 'o3-mini', 1.1, 4.4, '2025-01-01'),
  ('openai', 'o4-mini', 1.1, 4.4, '2025-01-01'),
  ('openai', 'o3', 10, 40, '2025-01-01'),
  ('openai', 'o3', 2, 8, '2025-06-10'),
  ('openai', 'gpt-3.5-turbo', 0.5, 1.5, '2025-01-01'),
  ('openai', 'text-embedding-3-small', 0.02, 0, '2025-01-01'),
  ('openai', 'text-embedding-3-large', 0.13, 0, '2025-01-01'),
  ('openai', 'text-embedding-ada-002', 0.1, 0, '2025-01-01'),
  ('echo', 'echo-1', 0, 0, '2025-01-01');
