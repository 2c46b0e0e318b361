// Study items from what a person pastes or uploads: plain lines, CSV (with a prompt column) or JSONL.
import { parse } from 'csv-parse/sync';
import { timeSlicer, type Slicer } from '../concurrency/time-slice';
import { AppError } from '../errors';

export interface StudyItem {
  id?: string;
  prompt?: string;
  messages?: Record<string, unknown>[];
  vars?: Record<string, string>;
  expected?: string | number | Array<string | number>;
  fields?: Record<string, string | number | boolean | null>;
}

export function itemsFromLines(text: string): StudyItem[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((prompt) => ({ prompt }));
}

/**
 * CSV with a header row: `prompt` (or `text`) column, optional `id` and `expected`; every other column
 * is a template variable and a field to slice the statistics by. Read a slice of rows at a time (see
 * csvPieces), so a 100,000-row file never holds the event loop for long.
 */
export async function itemsFromCsv(text: string, slice: Slicer = timeSlicer()): Promise<StudyItem[]> {
  const items: StudyItem[] = [];
  let columns: string[] | undefined;
  for (const piece of csvPieces(text)) {
    await slice();
    let rows: Record<string, string>[];
    try {
      rows = parse(piece, {
        columns: columns ?? ((header: string[]) => (columns = header)),
        skip_empty_lines: true,
        trim: true,
        bom: columns === undefined,
      });
    } catch (error) {
      throw new AppError(400, 'invalid_request', `file: not valid CSV (${(error as Error).message})`);
    }
    for (const row of rows) {
      const { id, prompt, text: alt, expected, ...vars } = row;
      const item: StudyItem = {};
      if (id) item.id = id;
      if (prompt || alt) item.prompt = prompt || alt;
      if (expected) item.expected = csvExpected(expected);
      const variables = Object.fromEntries(Object.entries(vars).filter(([key]) => /^\w{1,64}$/.test(key)));
      if (Object.keys(variables).length) {
        item.vars = variables;
        item.fields = { ...variables };
      }
      if (!item.prompt && !item.vars) throw new AppError(400, 'invalid_request', `file: row ${items.length + 2} has no prompt column value`);
      items.push(item);
    }
  }
  return items;
}

/**
 * An `expected` cell: a JSON array of strings and numbers (["Paris", "Paree"]) is a list of acceptable
 * answers; anything else is the one expected answer, as written.
 */
function csvExpected(cell: string): string | Array<string | number> {
  if (!cell.startsWith('[')) return cell;
  try {
    const list: unknown = JSON.parse(cell);
    if (Array.isArray(list) && list.length > 0 && list.every((entry) => typeof entry === 'string' || typeof entry === 'number')) return list;
  } catch {
    // Not JSON: the cell is the answer itself.
  }
  return cell;
}

/**
 * The CSV text cut into pieces of about `size` characters, each ending at a line break between rows.
 * A line break is between rows when the quotes before it are balanced: in CSV a quote inside a quoted
 * field is written twice, so an odd count means the break is inside a field.
 */
export function csvPieces(text: string, size = 256 * 1024): string[] {
  const pieces: string[] = [];
  let start = 0;
  let quotes = 0;
  let scanned = 0;
  while (start < text.length) {
    let cut = text.length;
    for (let at = text.indexOf('\n', Math.max(scanned, start + size)); at !== -1; at = text.indexOf('\n', at + 1)) {
      for (let q = text.indexOf('"', scanned); q !== -1 && q < at; q = text.indexOf('"', q + 1)) quotes++;
      scanned = at;
      if (quotes % 2 === 0) {
        cut = at + 1;
        break;
      }
    }
    pieces.push(text.slice(start, cut));
    start = cut;
  }
  return pieces;
}

/** JSONL: each line a JSON string (the prompt) or an object {id?, prompt?, messages?, vars?, expected?, fields?}. */
export async function itemsFromJsonl(text: string, slice: Slicer = timeSlicer()): Promise<StudyItem[]> {
  const items: StudyItem[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    await slice();
    const line = raw.trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new AppError(400, 'invalid_request', `file: line ${i + 1} is not valid JSON`);
    }
    if (typeof value === 'string') items.push({ prompt: value });
    else if (value && typeof value === 'object' && !Array.isArray(value)) {
      const { id, ...rest } = value as Record<string, unknown>;
      items.push({ ...(id !== undefined ? { id: String(id) } : {}), ...rest } as StudyItem);
    } else throw new AppError(400, 'invalid_request', `file: line ${i + 1} must be a string or an object`);
  }
  return items;
}

export async function itemsFromUpload(filename: string, text: string): Promise<StudyItem[]> {
  if (/\.csv$/i.test(filename)) return itemsFromCsv(text);
  if (/\.(jsonl|ndjson)$/i.test(filename)) return itemsFromJsonl(text);
  return itemsFromLines(text);
}
