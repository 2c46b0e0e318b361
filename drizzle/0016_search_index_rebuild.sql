-- Hand-written: drizzle-kit cannot express FTS5 tables, let alone refill one.
-- The search index keeps its own copy of the text it was given, and nothing ever took text out of it:
-- an entry could hold what its row does not (a row cleaned by hand while the index kept the secret it
-- held). Rebuilt here from the rows themselves, with the expressions of raw_calls_fts_insert (0001),
-- so it holds exactly what each row holds. Secrets are configuration, unknown to a migration: text a
-- row still holds (rows captured before answers were scrubbed — raw_calls is append-only, so they
-- keep it) is removed from the index at start-up by the running server, which knows them
-- (src/db/search-index-repository.ts).
DROP TABLE `raw_calls_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `raw_calls_fts` USING fts5(prompt, response, error, tokenize = 'unicode61');
--> statement-breakpoint
INSERT INTO `raw_calls_fts` (rowid, prompt, response, error)
SELECT c.id,
       coalesce(
         (SELECT group_concat(json_extract(m.value, '$.content'), char(10)) FROM json_each(c.request_json, '$.messages') AS m),
         (SELECT group_concat(i.value, char(10)) FROM json_each(c.request_json, '$.input') AS i),
         json_extract(c.request_json, '$.prompt')
       ),
       json_extract(c.response_json, '$.text'),
       json_extract(c.error_json, '$.message')
  FROM `raw_calls` c
 ORDER BY c.id;
