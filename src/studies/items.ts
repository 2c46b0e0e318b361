// Study items from what a person pastes or uploads: plain lines, CSV (with a prompt column) or JSONL.
import { parse } from 'csv-parse/sync';
import { timeSlicer, type Slicer } from '../concurrency/time-slice';
import type { Limits } from '../config';
import { AppError } from '../errors';
import { checkUploadRows } from '../limits';
import type { StudyItemGiven } from '../schemas/study-requests';

/** An item as read from an upload: the study schema checks it afterwards, as it checks one sent as JSON. */
export type StudyItem = StudyItemGiven;

/** A line ends at CRLF, LF or a CR alone, in pasted prompts, JSONL and CSV alike. */
const LINE_BREAK = /\r\n|\r|\n/;
/** csv-parse takes these in any mix (rather than guessing one from the first line), as csvRecords counts them. */
const CSV_RECORD_DELIMITERS = ['\r\n', '\n', '\r'];
/**
 * Longer CSV rows and JSONL lines are refused: each is parsed in one go (a CSV row costs about 40 ms
 * a million characters). An item's prompt takes at most 1,000,000.
 */
export const MAX_UPLOAD_ROW_CHARS = 1_100_000;
/** Column names that would set or shadow an object's prototype rather than name a value. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Pasted lines: one prompt a line, or `prompt<TAB>expected` (two columns pasted from a spreadsheet);
 * an expected cell holding a JSON list is a list of acceptable answers, as in a CSV. `field` names
 * where the lines came from in an error.
 */
export function itemsFromLines(text: string, field = 'prompts'): StudyItem[] {
  return promptsOf(text.split(LINE_BREAK), field);
}

function promptsOf(lines: readonly string[], field: string): StudyItem[] {
  const items: StudyItem[] = [];
  for (const [i, raw] of lines.entries()) {
    // Trailing tabs are empty cells; a leading one is an empty prompt cell, so only the end is trimmed here.
    const cells = raw.trimEnd().split('\t');
    const prompt = cells[0]!.trim();
    if (cells.length === 1) {
      if (prompt) items.push({ prompt });
      continue;
    }
    if (cells.length > 2) {
      throw new AppError(400, 'invalid_request', `${field}: line ${i + 1} has ${cells.length} tab-separated cells; write prompt<TAB>expected (a prompt holding tabs goes in a CSV or JSONL file)`);
    }
    const expected = cells[1]!.trim();
    if (!prompt) throw new AppError(400, 'invalid_request', `${field}: line ${i + 1} has an expected answer but no prompt before its tab`);
    items.push(expected ? { prompt, expected: expectedFromCell(expected) } : { prompt });
  }
  return items;
}

/**
 * Study items from an upload (by its file name: CSV, JSONL, else one prompt per line) or pasted
 * lines, refused over MAX_UPLOAD_ROWS. Rows are counted as the parser will read them before any is.
 */
export async function studyItemsFrom(limits: Limits, text: string, filename?: string): Promise<StudyItem[]> {
  if (filename !== undefined && /\.csv$/i.test(filename)) {
    const { records, pieces } = await csvRecords(text, { stopAfter: limits.uploadRows + 1 });
    checkUploadRows(limits, Math.max(0, records - 1));
    return itemsFromCsvPieces(pieces);
  }
  // Split once (about 40 ms for 30 MB), counted, then read.
  const lines = text.split(LINE_BREAK);
  checkUploadRows(limits, nonEmptyLines(lines, limits.uploadRows + 1));
  if (filename !== undefined && /\.(jsonl|ndjson)$/i.test(filename)) return jsonlItems(lines);
  return promptsOf(lines, filename !== undefined ? 'file' : 'prompts');
}

function nonEmptyLines(lines: readonly string[], stopAfter: number): number {
  let count = 0;
  for (const line of lines) if (/\S/.test(line) && ++count > stopAfter) break;
  return count;
}

/**
 * CSV with a header row: `prompt` (or `text`) column, optional `id` and `expected`; every other column
 * is a template variable and a field to slice the statistics by. Read a slice of rows at a time (see
 * csvRecords), so a 100,000-row file never holds the event loop for long.
 */
export async function itemsFromCsv(text: string, slice: Slicer = timeSlicer()): Promise<StudyItem[]> {
  return itemsFromCsvPieces((await csvRecords(text, {}, slice)).pieces, slice);
}

async function itemsFromCsvPieces(pieces: readonly string[], slice: Slicer = timeSlicer()): Promise<StudyItem[]> {
  const items: StudyItem[] = [];
  let columns: string[] | undefined;
  for (const piece of pieces) {
    await slice();
    let rows: Record<string, string>[];
    try {
      rows = parse(piece, {
        columns: columns ?? ((header: string[]) => (columns = checkedHeader(header))),
        record_delimiter: CSV_RECORD_DELIMITERS,
        skip_empty_lines: true,
        trim: true,
        bom: columns === undefined,
      });
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError(400, 'invalid_request', `file: not valid CSV (${(error as Error).message})`);
    }
    for (const row of rows) {
      const { id, prompt, text: alt, expected, ...vars } = row;
      const item: StudyItem = {};
      if (id) item.id = id;
      if (prompt || alt) item.prompt = prompt || alt;
      if (expected) item.expected = expectedFromCell(expected);
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

/** The header as columns: one prompt column, every name once, none that names an object's prototype. */
function checkedHeader(header: string[]): string[] {
  const found = header.map((name) => JSON.stringify(name)).join(', ');
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new AppError(400, 'invalid_request', `file: the column "${name}" appears twice in the header (${found}); give each column its own name`);
    if (RESERVED_NAMES.has(name)) throw new AppError(400, 'invalid_request', `file: "${name}" cannot name a column; rename it`);
    seen.add(name);
  }
  if (!seen.has('prompt') && !seen.has('text')) {
    throw new AppError(400, 'invalid_request', `file: no prompt column; the header has ${found}; name the column of prompts "prompt" (or "text")`);
  }
  return header;
}

/**
 * An expected cell (CSV `expected` column, pasted prompt<TAB>expected): a JSON array of strings and
 * numbers (["Paris", "Paree"]) is a list of acceptable answers; anything else is the one expected
 * answer, as written.
 */
export function expectedFromCell(cell: string): string | Array<string | number> {
  if (!cell.startsWith('[')) return cell;
  try {
    const list: unknown = JSON.parse(cell);
    if (Array.isArray(list) && list.length > 0 && list.every((entry) => typeof entry === 'string' || typeof entry === 'number')) return list;
  } catch {
    // Not JSON: the cell is the answer itself.
  }
  return cell;
}

export interface CsvRecords {
  /** Records, the header included, as csv-parse counts them (empty lines skipped); at most stopAfter + 1. */
  records: number;
  /** The text cut into pieces of about pieceSize characters, each ending where a record ends. */
  pieces: string[];
}

const isBlank = (code: number) => code === 0x20 || code === 0x09;

/**
 * Where the records of CSV text end, as csv-parse reads them with CSV_RECORD_DELIMITERS: at CRLF, LF
 * or CR outside quotes (in CSV a quote inside a quoted field is written twice, so the quotes toggle
 * in and out of a field). A line of nothing (or blanks only, which are trimmed) is no record. Walked
 * a time slice at a time; stops counting past `stopAfter` (the caller refuses that many); a row over
 * MAX_UPLOAD_ROW_CHARS or a quote never closed is refused here, before any parsing.
 */
export async function csvRecords(text: string, options: { pieceSize?: number; stopAfter?: number } = {}, slice: Slicer = timeSlicer()): Promise<CsvRecords> {
  const pieceSize = options.pieceSize ?? 256 * 1024;
  const stopAfter = options.stopAfter ?? Infinity;
  const pieces: string[] = [];
  let records = 0;
  let quoted = false;
  let recordStart = 0;
  let pieceStart = 0;
  let content = false;
  for (let i = 0, nextSlice = 0; i < text.length; i++) {
    if (i >= nextSlice) {
      await slice();
      nextSlice = i + 65_536;
    }
    const code = text.charCodeAt(i);
    if (code === 0x22) quoted = !quoted;
    if (quoted || (code !== 0x0a && code !== 0x0d)) {
      if (!content && !isBlank(code)) content = true;
      if (i - recordStart >= MAX_UPLOAD_ROW_CHARS) {
        throw new AppError(400, 'invalid_request', `file: row ${records + 1} is longer than ${MAX_UPLOAD_ROW_CHARS.toLocaleString('en-US')} characters${quoted ? ' (a quote that is never closed?)' : ''}`);
      }
      continue;
    }
    if (code === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
    if (content && ++records > stopAfter) return { records, pieces };
    content = false;
    recordStart = i + 1;
    if (recordStart - pieceStart >= pieceSize) {
      pieces.push(text.slice(pieceStart, recordStart));
      pieceStart = recordStart;
    }
  }
  if (quoted) throw new AppError(400, 'invalid_request', `file: not valid CSV (the quote opened in row ${records + 1} is never closed)`);
  if (content) records++;
  if (pieceStart < text.length) pieces.push(text.slice(pieceStart));
  return { records, pieces };
}

/** JSONL: each line a JSON string (the prompt) or an object {id?, prompt?, messages?, vars?, expected?, fields?}. */
export async function itemsFromJsonl(text: string, slice: Slicer = timeSlicer()): Promise<StudyItem[]> {
  return jsonlItems(text.split(LINE_BREAK), slice);
}

async function jsonlItems(lines: readonly string[], slice: Slicer = timeSlicer()): Promise<StudyItem[]> {
  const items: StudyItem[] = [];
  for (const [i, raw] of lines.entries()) {
    await slice();
    const line = raw.trim();
    if (!line) continue;
    if (line.length > MAX_UPLOAD_ROW_CHARS) {
      throw new AppError(400, 'invalid_request', `file: line ${i + 1} is longer than ${MAX_UPLOAD_ROW_CHARS.toLocaleString('en-US')} characters`);
    }
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
