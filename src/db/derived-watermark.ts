// How far the derived data (the search index and the analytics rollups) has caught up with raw_calls:
// every row with id <= this is folded in, none above it is (drizzle/0023_derived_watermark.sql).
// Read inside the same statement as what it qualifies, so both come from one snapshot.
import { sql } from 'drizzle-orm';

export const FOLDED_UP_TO = sql`(SELECT last_id FROM derived_watermark WHERE id = 1)`;
