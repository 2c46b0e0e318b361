import { describe, expect, it } from 'vitest';
import { applyTemplate, cleanWhitespace, preprocessPrompt, removePii, truncate } from './preprocess';
import { prepareMessages } from './service';

describe('preprocessing', () => {
  it('collapses runs of whitespace and trims', () => {
    expect(cleanWhitespace('  hello \n\n  world\t ')).toBe('hello world');
  });

  it('removes emails and phone numbers', () => {
    const cleaned = removePii('Mail test.user@example.com or call 555-123-4567, (555) 123 4567 or +44 20 7946 0958.');
    expect(cleaned).toBe('Mail [EMAIL] or call [PHONE], [PHONE] or [PHONE].');
  });

  it('truncates to the limit, marking the cut', () => {
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
    expect(truncate('abc', 5)).toBe('abc');
  });

  it('fills every {user_input} slot of a template', () => {
    expect(applyTemplate('hi', 'Q: {user_input}\nAgain: {user_input}')).toBe('Q: hi\nAgain: hi');
  });

  it('applies the steps in order and reports only those that changed the text', () => {
    const result = preprocessPrompt('  mail me at a@b.io  ', { whitespace: true, remove_pii: true, max_chars: 100 }, 'Say: {user_input}');
    expect(result.text).toBe('Say: mail me at [EMAIL]');
    expect(result.applied).toEqual(['whitespace', 'remove_pii', 'template']);
  });

  it('changes nothing by default', () => {
    const { messages, preprocessing } = prepareMessages({ prompt: '  keep\n\nmy   spacing ' });
    expect(messages).toEqual([{ role: 'user', content: '  keep\n\nmy   spacing ' }]);
    expect(preprocessing).toBeUndefined();
  });

  it('templates only the last user message and keeps the originals for the record', () => {
    const { messages, preprocessing } = prepareMessages({
      messages: [
        { role: 'system', content: 'be   brief' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'second' },
      ],
      template: '>> {user_input}',
    });
    expect(messages.map((m) => m.content)).toEqual(['be   brief', 'first', 'ok', '>> second']);
    expect(preprocessing?.applied).toEqual(['template']);
    expect(preprocessing?.original_messages[3]).toEqual({ role: 'user', content: 'second' });
  });
});
