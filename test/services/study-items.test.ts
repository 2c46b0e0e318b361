import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors';
import { csvPieces, itemsFromCsv, itemsFromJsonl, itemsFromLines, itemsFromUpload } from '../../src/services/study-items';

describe('study items from pasted or uploaded text', () => {
  it('takes one prompt per non-empty line', () => {
    expect(itemsFromLines('first\n\n  second  \r\nthird')).toEqual([{ prompt: 'first' }, { prompt: 'second' }, { prompt: 'third' }]);
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
    expect(await itemsFromUpload('prompts.csv', 'prompt\nx')).toEqual([{ prompt: 'x' }]);
    expect(await itemsFromUpload('prompts.jsonl', '"x"')).toEqual([{ prompt: 'x' }]);
    expect(await itemsFromUpload('prompts.txt', 'x\ny')).toHaveLength(2);
  });

  it('reads a large CSV in pieces cut only between rows, the same as in one piece', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `q${i},"line one\nline two, with ""quotes"" ${i}",v${i}`);
    const csv = `id,prompt,country\n${rows.join('\n')}\n`;
    const pieces = csvPieces(csv, 4096);
    expect(pieces.length).toBeGreaterThan(10);
    expect(pieces.join('')).toBe(csv);
    const items = await itemsFromCsv(csv);
    expect(items).toHaveLength(3000);
    expect(items[2999]).toEqual({ id: 'q2999', prompt: 'line one\nline two, with "quotes" 2999', vars: { country: 'v2999' }, fields: { country: 'v2999' } });
  });
});
