import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { AppError } from '../../src/errors';
import { csvRecords, itemsFromCsv, itemsFromJsonl, itemsFromLines, MAX_UPLOAD_ROW_CHARS, studyItemsFrom } from '../../src/studies/items';
import { mulberry32 } from '../../src/studies/statistics/seeded-random';

const limits = (uploadRows: number) => loadConfig({ MAX_UPLOAD_ROWS: String(uploadRows) }).limits;

describe('study items from pasted or uploaded text', () => {
  it('takes one prompt per non-empty line', () => {
    expect(itemsFromLines('first\n\n  second  \r\nthird\rfourth')).toEqual([{ prompt: 'first' }, { prompt: 'second' }, { prompt: 'third' }, { prompt: 'fourth' }]);
    expect(itemsFromLines('2+2?\t4\nPeru?\t["Lima", "Lima, Peru"]\nColour?\t\n[not a list\t[x')).toEqual([
      { prompt: '2+2?', expected: '4' },
      { prompt: 'Peru?', expected: ['Lima', 'Lima, Peru'] },
      { prompt: 'Colour?' },
      { prompt: '[not a list', expected: '[x' },
    ]);
    expect(() => itemsFromLines('\tParis')).toThrow('prompts: line 1 has an expected answer but no prompt before its tab');
    expect(() => itemsFromLines('ok\na\tb\tc', 'file')).toThrow('file: line 2 has 3 tab-separated cells');
  });

  it('reads CSV with a prompt column, an id and template variables (also fields for slicing), quotes and commas included', async () => {
    const csv = 'id,prompt,country\nq1,"Capital of {country}, please?",France\nq2,"He said ""hi""",Spain\n';
    expect(await itemsFromCsv(csv)).toEqual([
      { id: 'q1', prompt: 'Capital of {country}, please?', vars: { country: 'France' }, fields: { country: 'France' } },
      { id: 'q2', prompt: 'He said "hi"', vars: { country: 'Spain' }, fields: { country: 'Spain' } },
    ]);
  });

  it('reads the CSV expected column: one answer as written, or a JSON list of acceptable ones', async () => {
    const csv = 'prompt,expected,category\nCapital of France?,Paris,geo\nCapital of Peru?,"[""Lima"", ""Lima, Peru""]",geo\nTwo plus two?,4,math\nA list?,[not json,misc\n';
    expect(await itemsFromCsv(csv)).toEqual([
      { prompt: 'Capital of France?', expected: 'Paris', vars: { category: 'geo' }, fields: { category: 'geo' } },
      { prompt: 'Capital of Peru?', expected: ['Lima', 'Lima, Peru'], vars: { category: 'geo' }, fields: { category: 'geo' } },
      { prompt: 'Two plus two?', expected: '4', vars: { category: 'math' }, fields: { category: 'math' } },
      { prompt: 'A list?', expected: '[not json', vars: { category: 'misc' }, fields: { category: 'misc' } },
    ]);
  });

  it('reads JSONL of strings and objects', async () => {
    const jsonl =
      '"plain prompt"\n{"id": 7, "prompt": "numbered", "expected": ["7", 7], "fields": {"difficulty": 2}}\n{"messages": [{"role": "user", "content": "hi"}]}\n';
    expect(await itemsFromJsonl(jsonl)).toEqual([
      { prompt: 'plain prompt' },
      { id: '7', prompt: 'numbered', expected: ['7', 7], fields: { difficulty: 2 } },
      { messages: [{ role: 'user', content: 'hi' }] },
    ]);
  });

  it('names the bad line of a broken file', async () => {
    await expect(itemsFromJsonl('"ok"\n{broken')).rejects.toThrow(/line 2/);
    await expect(itemsFromCsv('id,prompt\n1,"unterminated')).rejects.toThrow(AppError);
    await expect(itemsFromCsv('id,prompt\n1,\n')).rejects.toThrow(/row 2/);
  });

  it('picks the parser by file name', async () => {
    expect(await studyItemsFrom(limits(10), 'prompt\nx', 'prompts.csv')).toEqual([{ prompt: 'x' }]);
    expect(await studyItemsFrom(limits(10), '"x"', 'prompts.jsonl')).toEqual([{ prompt: 'x' }]);
    expect(await studyItemsFrom(limits(10), 'x\ny', 'prompts.txt')).toHaveLength(2);
    expect(await studyItemsFrom(limits(10), 'x\ry')).toHaveLength(2);
  });

  it('reads a large CSV in pieces cut only between rows, the same as in one piece', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `q${i},"line one\nline two, with ""quotes"" ${i}",v${i}`);
    const csv = `id,prompt,country\n${rows.join('\n')}\n`;
    const { records, pieces } = await csvRecords(csv, { pieceSize: 4096 });
    expect(records).toBe(3001);
    expect(pieces.length).toBeGreaterThan(10);
    expect(pieces.join('')).toBe(csv);
    const items = await itemsFromCsv(csv);
    expect(items).toHaveLength(3000);
    expect(items[2999]).toEqual({ id: 'q2999', prompt: 'line one\nline two, with "quotes" 2999', vars: { country: 'v2999' }, fields: { country: 'v2999' } });
  });

  it('counts CSV records as csv-parse reads them: CR, CRLF and LF line ends in any mix, quoted line breaks, empty lines', async () => {
    const count = (text: string) => parse(text, { record_delimiter: ['\r\n', '\n', '\r'], skip_empty_lines: true, trim: true, relax_column_count: true }).length;
    const cases = ['p\ra\rb\rc', 'p\r\na\r\nb\r\n', 'p\na\nb\n\n\n', 'p\na\rb\r\nc', 'p\r\n"a\rb"\n"c\r\nd"\r', 'p\n  \n\t\nx\n', '', '\n\r\n\r'];
    for (const text of cases) expect((await csvRecords(text)).records, JSON.stringify(text)).toBe(count(text));
    const random = mulberry32(5);
    const alphabet = ['a', 'b', ',', '"', '""', '\r', '\n', '\r\n', ' ', '\t'];
    let compared = 0;
    for (let round = 0; round < 2000; round++) {
      const text = Array.from({ length: Math.floor(random() * 30) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      let expected: number;
      try {
        expected = count(text);
      } catch {
        continue; // not valid CSV: the parser refuses it whatever the count
      }
      compared++;
      expect((await csvRecords(text)).records, JSON.stringify(text)).toBe(expected);
    }
    expect(compared).toBeGreaterThan(300);
  });

  it('refuses a CSV with CR-only line ends over MAX_UPLOAD_ROWS (the rows were counted at LF only), and takes one at the limit', async () => {
    const rows = (n: number) => `prompt\r${Array.from({ length: n }, (_, i) => `row ${i}`).join('\r')}\r`;
    await expect(studyItemsFrom(limits(100), rows(101), 'cr.csv')).rejects.toMatchObject({ code: 'limit_exceeded', message: expect.stringContaining('MAX_UPLOAD_ROWS') });
    expect(await studyItemsFrom(limits(100), rows(100), 'cr.csv')).toHaveLength(100);
    // A row whose prompt holds line breaks is one row, as the parser reads it.
    const quoted = `prompt\n${Array.from({ length: 100 }, (_, i) => `"line one\nline two\r\nthree ${i}"`).join('\n')}`;
    expect(await studyItemsFrom(limits(100), quoted, 'quoted.csv')).toHaveLength(100);
    await expect(studyItemsFrom(limits(2), 'a\rb\rc', 'lines.txt')).rejects.toMatchObject({ code: 'limit_exceeded' });
  });

  it('refuses a CSV without a prompt column, saying which columns it found', async () => {
    await expect(itemsFromCsv('question,answer\nWhat?,That\n')).rejects.toThrow(/^file: no prompt column; the header has "question", "answer"/);
    expect(await itemsFromCsv('text,answer\nWhat?,That\n')).toEqual([{ prompt: 'What?', vars: { answer: 'That' }, fields: { answer: 'That' } }]);
  });

  it('refuses a duplicated column or one named like a prototype, naming it', async () => {
    await expect(itemsFromCsv('prompt,country,country\nx,a,b\n')).rejects.toThrow(/^file: the column "country" appears twice/);
    await expect(itemsFromCsv('prompt, country ,country\nx,a,b\n')).rejects.toThrow(/"country" appears twice/);
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      await expect(itemsFromCsv(`prompt,${name}\nx,a\n`)).rejects.toThrow(new RegExp(`^file: "${name}" cannot name a column`));
    }
  });

  it('refuses a row too long to parse in one slice, and a quote never closed, before parsing', async () => {
    const long = `prompt\n"${'x'.repeat(MAX_UPLOAD_ROW_CHARS)}"\n`;
    await expect(csvRecords(long)).rejects.toThrow(/^file: row 2 is longer than 1,100,000 characters/);
    await expect(itemsFromJsonl(`"short"\n"${'x'.repeat(MAX_UPLOAD_ROW_CHARS)}"`)).rejects.toThrow(/^file: line 2 is longer than 1,100,000 characters/);
    await expect(csvRecords(`prompt\n"open${'\nrow'.repeat(10)}`)).rejects.toThrow(/^file: not valid CSV \(the quote opened in row 2 is never closed\)/);
  });
});
