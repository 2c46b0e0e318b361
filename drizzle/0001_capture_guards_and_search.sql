-- Hand-written: drizzle-kit cannot express triggers, CHECK-by-trigger guards or FTS5 tables.
-- raw_calls is the immutable log of every provider call: the database itself refuses edits.
CREATE TRIGGER `raw_calls_no_update` BEFORE UPDATE ON `raw_calls`
BEGIN
  SELECT RAISE(ABORT, 'raw_calls is append-only: rows cannot be updated');
END;
--> statement-breakpoint
CREATE TRIGGER `raw_calls_no_delete` BEFORE DELETE ON `raw_calls`
BEGIN
  SELECT RAISE(ABORT, 'raw_calls is append-only: rows cannot be deleted');
END;
--> statement-breakpoint
CREATE TRIGGER `raw_calls_valid_insert` BEFORE INSERT ON `raw_calls`
WHEN NEW.status NOT IN ('success', 'failed')
  OR NEW.modality NOT IN ('chat', 'completion', 'embedding')
  OR (NEW.status = 'success' AND NEW.response_json IS NULL)
  OR (NEW.status = 'failed' AND (NEW.error_json IS NULL OR NEW.response_json IS NOT NULL))
BEGIN
  SELECT RAISE(ABORT, 'raw_calls: status/modality invalid, or response_json/error_json do not match status');
END;
--> statement-breakpoint
-- Full-text index over what was asked and what came back; rowid = raw_calls.id.
CREATE VIRTUAL TABLE `raw_calls_fts` USING fts5(prompt, response, error, tokenize = 'unicode61');
--> statement-breakpoint
CREATE TRIGGER `raw_calls_fts_insert` AFTER INSERT ON `raw_calls`
BEGIN
  INSERT INTO `raw_calls_fts` (rowid, prompt, response, error) VALUES (
    NEW.id,
    coalesce(
      (SELECT group_concat(json_extract(m.value, '$.content'), char(10)) FROM json_each(NEW.request_json, '$.messages') AS m),
      (SELECT group_concat(i.value, char(10)) FROM json_each(NEW.request_json, '$.input') AS i),
      json_extract(NEW.request_json, '$.prompt')
    ),
    json_extract(NEW.response_json, '$.text'),
    json_extract(NEW.error_json, '$.message')
  );
END;
