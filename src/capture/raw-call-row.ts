// One definition of a raw_calls row as the database driver takes it, for every write path: the
// columns come from the drizzle table itself, so a column added to the schema is written everywhere.
import { getTableColumns } from 'drizzle-orm';
import { rawCalls, type NewRawCall } from '../db/schema';

export const RAW_CALL_COLUMNS = Object.entries(getTableColumns(rawCalls)).filter(([key]) => key !== 'id');

/** A row as the driver takes it: JSON columns encoded exactly as drizzle encodes them. */
export function rawCallValues(row: NewRawCall): unknown[] {
  return RAW_CALL_COLUMNS.map(([key, column]) => {
    const value = row[key as keyof NewRawCall];
    if (key === 'createdAt' && value == null) return new Date().toISOString();
    return value == null ? null : column.mapToDriverValue(value);
  });
}
