import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors';
import { itemsFromCsv, itemsFromJsonl, itemsFromLines, itemsFromUpload } from '../../src/services/study-items';

describe('study items from pasted or uploaded text', () => {
  it('takes one prompt per non-empty line', () => {
    expect(itemsFromLines('first\n\n  second  \r\nthird')).toEqual([{ prompt: 'first' }, { prompt: 'second' }, { prompt: 'third' }]);
  });

  it('reads CSV with a prompt column, an id and template variables, quotes and commas included', () => {
    const csv = 'id,prompt,country\nq1,"Capital of {country}, please?",France\nq2,"He said ""hi""",Spain\n';
    expect(itemsFromCsv(csv)).toEqual([
      { id: 'q1', prompt: 'Capital of {country}, please?', vars: { country: 'France' } },
      { id: 'q2', prompt: 'He said "hi"', vars: { country: 'Spain' } },
    ]);
  });

  it('reads JSONL of strings and objects', () => {
    const jsonl = '"plain prompt"\n{"id": 7, "prompt": "numbered"}\n{"messages": [{"role": "user", "content": "hi"}]}\n';
    expect(itemsFromJsonl(jsonl)).toEqual([
      { prompt: 'plain prompt' },
      { id: '7', prompt: 'numbered' },
      { messages: [{ role: 'user', content: 'hi' }] },
    ]);
  });

  it('names the bad line of a broken file', () => {
    expect(() => itemsFromJsonl('"ok"\n{broken')).toThrow(/line 2/);
    expect(() => itemsFromCsv('id,prompt\n1,"unterminated')).toThrow(AppError);
    expect(() => itemsFromCsv('id,prompt\n1,\n')).toThrow(/row 2/);
  });

  it('picks the parser by file name', () => {
    expect(itemsFromUpload('prompts.csv', 'prompt\nx')).toEqual([{ prompt: 'x' }]);
    expect(itemsFromUpload('prompts.jsonl', '"x"')).toEqual([{ prompt: 'x' }]);
    expect(itemsFromUpload('prompts.txt', 'x\ny')).toHaveLength(2);
  });
});
