// Study items from what a person pastes or uploads: plain lines, CSV (with a prompt column) or JSONL.
import { parse } from 'csv-parse/sync';
import { AppError } from '../errors';

export interface StudyItem {
  id?: string;
  prompt?: string;
  messages?: Record<string, unknown>[];
  vars?: Record<string, string>;
}

export function itemsFromLines(text: string): StudyItem[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((prompt) => ({ prompt }));
}

/** CSV with a header row: `prompt` (or `text`) column, optional `id`; every other column is a template variable. */
export function itemsFromCsv(text: string): StudyItem[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    throw new AppError(400, 'invalid_request', `file: not valid CSV (${(error as Error).message})`);
  }
  return rows.map((row, i) => {
    const { id, prompt, text: alt, ...vars } = row;
    const item: StudyItem = {};
    if (id) item.id = id;
    if (prompt || alt) item.prompt = prompt || alt;
    const variables = Object.fromEntries(Object.entries(vars).filter(([key]) => /^\w{1,64}$/.test(key)));
    if (Object.keys(variables).length) item.vars = variables;
    if (!item.prompt && !item.vars) throw new AppError(400, 'invalid_request', `file: row ${i + 2} has no prompt column value`);
    return item;
  });
}

/** JSONL: each line a JSON string (the prompt) or an object {id?, prompt?, messages?, vars?}. */
export function itemsFromJsonl(text: string): StudyItem[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line, i) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new AppError(400, 'invalid_request', `file: line ${i + 1} is not valid JSON`);
      }
      if (typeof value === 'string') return { prompt: value };
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const { id, ...rest } = value as Record<string, unknown>;
        return { ...(id !== undefined ? { id: String(id) } : {}), ...rest } as StudyItem;
      }
      throw new AppError(400, 'invalid_request', `file: line ${i + 1} must be a string or an object`);
    });
}

export function itemsFromUpload(filename: string, text: string): StudyItem[] {
  if (/\.csv$/i.test(filename)) return itemsFromCsv(text);
  if (/\.(jsonl|ndjson)$/i.test(filename)) return itemsFromJsonl(text);
  return itemsFromLines(text);
}
