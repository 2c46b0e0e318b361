// A study as POST /api/v1/studies and the Studies form send it: up to 32 MiB and 100,000 items, read
// and checked a slice at a time so that no study holds the event loop (JSON.parse and the schema of
// a 30 MB body took 0.5–2 s in one go). The JSON text is walked once to find each item; each item is
// then parsed and checked on its own, the other fields together, with the same schemas as ever.
import { timeSlicer, type Slicer } from '../concurrency/time-slice';
import { AppError } from '../errors';
import { validationError } from '../http/validation';
import { findDepthProblem, MAX_JSON_DEPTH } from '../capture/storable-json';
import { studyItemSchema, checkStudy, MAX_STUDY_ITEMS, studyFieldsSchema, type StudyInput, type StudyItemInput } from '../schemas/study-requests';

/** The fields besides items are small (a template is at most 100,000 characters): parsed in one go, they stay under this. */
export const MAX_STUDY_FIELDS_CHARS = 2 * 1024 * 1024;
/**
 * JSON values (objects, arrays, strings, numbers…) one item may hold: parsing and checking cost by the
 * value, and one item is done in one go. A conversation of 1,000 messages takes about 4,000.
 */
export const MAX_ITEM_VALUES = 50_000;
/** Problems reported at most: a body of 100,000 bad items says so without listing every one. */
const MAX_ISSUES = 20;

interface Issue {
  path: Array<string | number>;
  message: string;
}

/** A study's JSON text: its items' texts apart, and the rest with `"items": []` in their place. */
export interface StudyJson {
  fields: string;
  /** Undefined when `items` is not an array (the fields are then checked whole, and say so). */
  items?: string[];
}

const invalidJson = (detail: string) => new AppError(400, 'invalid_request', `body: not valid JSON (${detail})`);

/**
 * Walks the JSON text once, a slice at a time: strings skipped whole, brackets counted, and at the
 * top the `items` array cut into its elements. Well-formedness is left to JSON.parse of each part.
 */
export async function splitStudyJson(text: string, slice: Slicer = timeSlicer()): Promise<StudyJson> {
  let i = skipBlank(text, 0);
  if (text[i] !== '{') throw new AppError(400, 'invalid_request', 'body: the study must be a JSON object');
  let depth = 0;
  let key: string | undefined;
  let expectKey = false;
  let items: { open: number; close: number; elements: string[]; start: number; values: number } | undefined;
  let inItems = false;
  let itemsKeys = 0;
  for (let nextSlice = 0; i < text.length; i++) {
    if (i >= nextSlice) {
      await slice();
      nextSlice = i + 16_384;
    }
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      const end = stringEnd(text, i);
      if (depth === 1 && expectKey) {
        key = readKey(text.slice(i, end + 1));
        expectKey = false;
        if (key === 'items' && ++itemsKeys > 1) throw new AppError(400, 'invalid_request', 'items: given twice');
      }
      i = end;
      continue;
    }
    if (code === 0x7b || code === 0x5b) {
      // How deep is checked once each part is parsed (checkStudyBody), where the path can be named;
      // an item's brackets count against MAX_ITEM_VALUES, the other fields against MAX_STUDY_FIELDS_CHARS.
      if (++depth === 1) expectKey = true;
      else if (depth === 2 && key === 'items' && code === 0x5b) {
        items = { open: i, close: -1, elements: [], start: i + 1, values: 0 };
        inItems = true;
      }
      if (inItems && depth > 2) countValue(items!);
      continue;
    }
    if (code === 0x7d || code === 0x5d) {
      if (inItems && depth === 2) {
        const last = text.slice(items!.start, i);
        if (items!.elements.length > 0 || last.trim() !== '') items!.elements.push(last);
        items!.close = i;
        inItems = false;
      }
      if (--depth === 0) {
        if (skipBlank(text, i + 1) !== text.length) throw invalidJson('text after the study object');
        break;
      }
      continue;
    }
    if (code === 0x2c) {
      if (depth === 1) expectKey = true;
      else if (inItems && depth === 2) {
        items!.elements.push(text.slice(items!.start, i));
        if (items!.elements.length > MAX_STUDY_ITEMS) throw new AppError(400, 'invalid_request', `items: more than ${MAX_STUDY_ITEMS.toLocaleString('en-US')} items`);
        items!.start = i + 1;
        items!.values = 0;
      } else if (inItems) countValue(items!);
    }
  }
  if (depth !== 0) throw invalidJson('the study object is not closed');
  const fields = items ? `${text.slice(0, items.open)}[]${text.slice(items.close + 1)}` : text;
  if (fields.length > MAX_STUDY_FIELDS_CHARS) {
    throw new AppError(413, 'payload_too_large', `body: the study's fields besides items take more than ${MAX_STUDY_FIELDS_CHARS.toLocaleString('en-US')} characters`);
  }
  return { fields, items: items?.elements };

  function countValue(open: { elements: string[]; values: number }) {
    if (++open.values > MAX_ITEM_VALUES) {
      const at = open.elements.length;
      throw new AppError(400, 'invalid_request', `items.${at}: holds more than ${MAX_ITEM_VALUES.toLocaleString('en-US')} JSON values`, [
        { path: `items.${at}`, message: `more than ${MAX_ITEM_VALUES} values` },
      ]);
    }
  }
}

/** The index of the quote that closes the string opened at `open` (one not escaped by an odd run of backslashes). */
function stringEnd(text: string, open: number): number {
  for (let at = text.indexOf('"', open + 1); at !== -1; at = text.indexOf('"', at + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
  throw invalidJson('a string is not closed');
}

function readKey(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    throw invalidJson('a key is not a valid string');
  }
}

/** Past JSON's whitespace (space, tab, LF, CR). */
function skipBlank(text: string, from: number): number {
  let at = from;
  for (let code = text.charCodeAt(at); code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d; code = text.charCodeAt(++at));
  return at;
}

/** Parses and checks a study's JSON text a slice at a time (see splitStudyJson). */
export async function readStudyJson(text: string, slice: Slicer = timeSlicer()): Promise<StudyInput> {
  const { fields, items } = await splitStudyJson(text, slice);
  const parsed = parsePart(fields, 'body') as Record<string, unknown>;
  if (!items) return checkStudyBody(parsed, undefined, slice);
  return checkStudyBody(parsed, items.length, slice, (i) => parsePart(items[i]!, `items.${i}`));
}

function parsePart(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidJson(`${where}: ${(error as Error).message}`);
  }
}

/**
 * A study given as its fields and its items (read one at a time: from JSON text, or already built
 * from an upload), checked as studyBodySchema checks it whole — a slice at a time.
 */
export async function checkStudyBody(
  fields: Record<string, unknown>,
  itemCount: number | undefined,
  slice: Slicer = timeSlicer(),
  itemAt?: (i: number) => unknown,
): Promise<StudyInput> {
  const issues: Issue[] = [];
  const { items: _placeholder, ...rest } = fields;
  if (itemCount === undefined) issues.push({ path: ['items'], message: `Invalid input: expected array, received ${describe(fields.items)}` });
  else if (itemCount === 0) issues.push({ path: ['items'], message: 'each study needs at least one item' });
  else if (itemCount > MAX_STUDY_ITEMS) issues.push({ path: ['items'], message: `at most ${MAX_STUDY_ITEMS.toLocaleString('en-US')} items` });
  if (Object.hasOwn(rest, 'sweep') && isObject(rest.sweep) && Object.hasOwn(rest.sweep, '__proto__')) {
    issues.push({ path: ['sweep', '__proto__'], message: '"__proto__" is not a sampling parameter' });
  }
  const deepField = findDepthProblem(rest, MAX_JSON_DEPTH);
  if (deepField) issues.push({ path: deepField.path, message: `nested deeper than ${MAX_JSON_DEPTH} levels` });
  const head = studyFieldsSchema.safeParse(rest);
  if (!head.success) issues.push(...head.error.issues.map(({ path, message }) => ({ path: path as Array<string | number>, message })));
  const items: StudyItemInput[] = [];
  for (let i = 0; i < (itemCount ?? 0) && issues.length < MAX_ISSUES; i++) {
    await slice();
    const value = itemAt!(i);
    const deep = findDepthProblem(value, MAX_JSON_DEPTH - 2);
    if (deep) {
      issues.push({ path: ['items', i, ...deep.path], message: `nested deeper than ${MAX_JSON_DEPTH} levels` });
      continue;
    }
    const item = studyItemSchema.safeParse(value);
    if (item.success) items.push(item.data);
    else issues.push(...item.error.issues.map(({ path, message }) => ({ path: ['items', i, ...(path as Array<string | number>)], message })));
  }
  if (issues.length === 0) checkStudy({ ...head.data!, items }, (issue) => issues.length < MAX_ISSUES && issues.push(issue));
  if (issues.length) throw validationError(issues.slice(0, MAX_ISSUES), 'json');
  return { ...head.data!, items };
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const describe = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
