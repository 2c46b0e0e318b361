import { describe, expect, it } from 'vitest';
import { taskMessages } from '../studies/task-messages';
import { itemPromptText } from '../studies/item-prompt';
import { filledPromptBytes, filledPromptSizes, fillPrompt, jsonStringBytes, scanText, type PromptParts } from './prompt-fill';
import { mulberry32 as seededRandom } from '../studies/statistics/seeded-random';

const messageBytes = (text: string) => Buffer.byteLength(JSON.stringify([{ role: 'user', content: text }]));
const measured = (item: PromptParts, template: string | null) => filledPromptBytes(item, template ? scanText(template) : null);

describe('filling a study prompt', () => {
  it('puts the prompt into the template and fills vars in both', () => {
    expect(fillPrompt({ prompt: 'Capital of {country}?', vars: { country: 'France', tone: 'terse' } }, 'Be {tone}. Q: {user_input}')).toBe('Be terse. Q: Capital of France?');
    expect(fillPrompt({ prompt: 'x = {n}; y = "{n}"', vars: { n: '4.50' } }, null)).toBe('x = 4.50; y = "4.50"');
    expect(fillPrompt({ vars: { city: 'Oslo' } }, 'Where is {city}?')).toBe('Where is Oslo?');
  });

  it('fills each placeholder once: a var holding {other} stays literal, however the vars refer to each other', () => {
    const vars = { a: '{b}{b}{b}{b}', b: '{c}{c}{c}{c}', c: '{a}' };
    expect(fillPrompt({ prompt: '{a}', vars }, null)).toBe('{b}{b}{b}{b}');
    expect(fillPrompt({ prompt: '{user_input}', vars: { user_input: '{user_input}' } }, '[{user_input}]')).toBe('[{user_input}]');
    // What the prompt brings into the template is not read for the template's slot again.
    expect(fillPrompt({ prompt: 'say {user_input}' }, '{user_input}!')).toBe('say {user_input}!');
    // Names that are not vars, and replacement patterns, stay as written.
    expect(fillPrompt({ prompt: '{unknown} {toString} {__proto__} $& $1', vars: { x: '$&' } }, null)).toBe('{unknown} {toString} {__proto__} $& $1');
    expect(fillPrompt({ prompt: '{x}', vars: { x: '$& $$ $`' } }, null)).toBe('$& $$ $`');
  });

  it('gives the task the same text it always did for ordinary studies', () => {
    expect(taskMessages({ prompt: 'Capital of {country}?', messages: null, vars: { country: 'Italy' } }, 'Answer briefly. {user_input}')).toEqual([
      { role: 'user', content: 'Answer briefly. Capital of Italy?' },
    ]);
    const messages = [{ role: 'user' as const, content: '{x}' }];
    expect(taskMessages({ prompt: null, messages, vars: null }, '{user_input}{user_input}')).toBe(messages);
  });
});

describe('measuring a filled-in prompt without building it', () => {
  it('counts JSON string bytes as JSON.stringify writes them', () => {
    const samples = ['', 'plain', 'quote " and \\ backslash', 'tab\tline\nreturn\r\b\f', '\u0000\u0001\u001f\u007f', 'é ü ß', '€ 中文', '😀 🎉', 'lone \ud800 high', 'lone \udc00 low', '\ud83d', '\u2028\u2029'];
    for (const text of samples) expect(jsonStringBytes(text), JSON.stringify(text)).toBe(Buffer.byteLength(JSON.stringify(text)) - 2);
    const random = seededRandom(7);
    for (let round = 0; round < 200; round++) {
      const text = Array.from({ length: 40 }, () => String.fromCharCode(Math.floor(random() * 0x10000))).join('');
      expect(jsonStringBytes(text)).toBe(Buffer.byteLength(JSON.stringify(text)) - 2);
    }
  });

  it('agrees with the prompt it would build, byte for byte', () => {
    const random = seededRandom(11);
    const pieces = ['{user_input}', '{a}', '{b}', '{c}', '{zz}', 'text ', 'é', '"', '\n', '{', '}', '😀', '{a', 'b}'];
    const pick = (k: number) => Array.from({ length: k }, () => pieces[Math.floor(random() * pieces.length)]).join('');
    for (let round = 0; round < 500; round++) {
      const vars: Record<string, string> = {};
      for (const name of ['a', 'b', 'c', 'user_input']) if (random() < 0.6) vars[name] = pick(Math.floor(random() * 6));
      const item = { prompt: random() < 0.8 ? pick(Math.floor(random() * 8)) : undefined, vars: random() < 0.8 ? vars : undefined };
      const template = random() < 0.7 ? pick(Math.floor(random() * 10)) : null;
      const expected = messageBytes(fillPrompt(item, template));
      expect(measured(item, template).bytes, JSON.stringify({ item, template })).toBe(expected);
    }
  });

  it('measures a 5,000-fold template over a 100 KB prompt in a moment, and names what makes it big', () => {
    const template = '{user_input}'.repeat(5_000);
    const started = performance.now();
    const size = measured({ prompt: 'x'.repeat(100_000) }, template);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(size.bytes).toBe(messageBytes('') + 5_000 * 100_000);
    expect(size.largest).toEqual({ placeholder: 'user_input', where: 'template', count: 5_000, bytes: 100_000 });
  });

  it('measures vars that name each other as filled once (386 bytes stay small)', () => {
    const vars = { a: '{b}'.repeat(40), b: '{c}'.repeat(40), c: '{a}'.repeat(40) };
    const item = { prompt: '{a}{b}{c}', vars };
    expect(measured(item, null).bytes).toBe(messageBytes(fillPrompt(item, null)));
    expect(measured(item, null).bytes).toBeLessThan(1_000);
  });
});

describe('showing a stored item', () => {
  it('describes, rather than builds, a prompt stored before studies were measured', () => {
    const item = { prompt: 'x'.repeat(100_000), messages_json: null, vars_json: null };
    expect(itemPromptText(item, '{user_input}'.repeat(8_000))).toBe('[a prompt of 800,000,030 bytes once filled in: too large to show]');
    expect(itemPromptText({ prompt: 'Capital of {c}?', messages_json: null, vars_json: '{"c":"Peru"}' }, 'Q: {user_input}')).toBe('Q: Capital of Peru?');
  });
});

describe('measuring one item through several templates (prompt variants)', () => {
  it('gives each template the size of the prompt it fills in, and its largest part', () => {
    const item = { prompt: 'Q: {topic} "{topic}"', vars: { topic: 'é'.repeat(50), tone: 'dry\n' } };
    const templates = [null, 'Be {tone}. {user_input}', '{user_input}{user_input}{user_input} {tone}', 'no slot here'];
    const sizes = filledPromptSizes(item, templates.map((template) => (template ? scanText(template) : null)));
    expect(sizes.map((size) => size.bytes)).toEqual(templates.map((template) => messageBytes(fillPrompt(item, template))));
    expect(sizes.map((size) => size.bytes)).toEqual(templates.map((template) => measured(item, template).bytes));
    expect(sizes[0]!.largest).toEqual({ placeholder: 'topic', where: 'prompt', count: 2, bytes: 100 });
    expect(sizes[2]!.largest).toMatchObject({ placeholder: 'user_input', where: 'template', count: 3 });
  });
});
