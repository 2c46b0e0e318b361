-- Hand-written: drizzle-kit cannot express triggers.
-- Derived data leaves the capture transaction (issue 24). Until now every captured row also wrote,
-- in the same commit and through AFTER INSERT triggers, its full-text entry (0001, rebuilt by 0016)
-- and its share of the four analytics rollups (0005): about 12 of the 21 WAL pages a one-row commit
-- wrote. None of it has to be atomic with the row: raw_calls is append-only, so the search index and
-- the rollups are a function of its rows and can be brought up to date later, many rows at a time.
--
-- `derived_watermark` says how far they are: every raw_calls row with id <= last_id is in the
-- search index and counted in the rollups, none above it is. A catch-up step (src/analytics/catch-up.ts)
-- moves last_id forward and folds the rows it passed, in one transaction; the step before it ended at
-- folded_from, so the range a step took is (folded_from, last_id] — two steps racing (two processes
-- on one libSQL server) are serialised by the write lock and take consecutive ranges, never the same
-- rows twice. Readers stay exact: the dashboard reads the rollups plus the rows above the watermark
-- (the tail, small by construction), and a text search folds the tail in before it reads the index.
-- A row's id is allocated inside its write transaction and SQLite has one writer at a time, so when a
-- step sees the largest id every row below it is committed: no row can appear below the watermark later.
--
-- What stays in the capture transaction: the row and its indexes, the append-only and validity guards
-- (0001), the bookkeeping links (a batch task's done mark and a conversation's turn, 0008/0015) and
-- the one-success-per-task unique index (0007).
DROP TRIGGER IF EXISTS `raw_calls_fts_insert`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `raw_calls_rollup`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `raw_calls_rollup_latency`;
--> statement-breakpoint
CREATE TABLE `derived_watermark` (
	`id` integer PRIMARY KEY NOT NULL CHECK (`id` = 1),
	`last_id` integer NOT NULL,
	`folded_from` integer NOT NULL,
	CHECK (`folded_from` <= `last_id`)
);
--> statement-breakpoint
-- Until this migration the triggers kept the index and the rollups complete: everything is folded.
INSERT INTO `derived_watermark` (`id`, `last_id`, `folded_from`)
SELECT 1, coalesce(max(`id`), 0), coalesce(max(`id`), 0) FROM `raw_calls`;
--> statement-breakpoint
-- The watermark only moves forward, and is never removed: moving it back would count rows twice.
CREATE TRIGGER `derived_watermark_forward` BEFORE UPDATE ON `derived_watermark`
WHEN NEW.last_id < OLD.last_id OR NEW.folded_from <> OLD.last_id OR NEW.id <> OLD.id
BEGIN
  SELECT RAISE(ABORT, 'derived_watermark only moves forward, one range after another');
END;
--> statement-breakpoint
CREATE TRIGGER `derived_watermark_no_delete` BEFORE DELETE ON `derived_watermark`
BEGIN
  SELECT RAISE(ABORT, 'derived_watermark cannot be deleted');
END;
--> statement-breakpoint
CREATE TRIGGER `derived_watermark_single_row` BEFORE INSERT ON `derived_watermark`
BEGIN
  SELECT RAISE(ABORT, 'derived_watermark has its one row already');
END;
