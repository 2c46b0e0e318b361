// Legacy completions over chat: the prompt as a user message, answers and chunks as text_completion objects.
import { describe, expect, it } from 'vitest';
import { chatChunkToCompletionChunk, chatToCompletion, completionsToChat } from './completions';
import { TranslationError } from './translation-error';

const identity = { id: 'cmpl-1', createdAt: 1_700_000_000 };

const refusal = (body: unknown) => {
  try {
    completionsToChat(body);
  } catch (error) {
    if (error instanceof TranslationError) return [error.param, error.code];
    throw error;
  }
  throw new Error('expected a TranslationError');
};

describe('completionsToChat', () => {
  it('sends the prompt as one user message and passes the sampling fields chat shares', () => {
    expect(
      completionsToChat({ model: 'echo/echo-1', prompt: 'Say this is a test', max_tokens: 7, temperature: 0, stop: ['\n'], n: 2, echo: false, suffix: null, best_of: 1, logprobs: null, stream: true }),
    ).toEqual({
      model: 'echo/echo-1',
      messages: [{ role: 'user', content: 'Say this is a test' }],
      max_tokens: 7,
      temperature: 0,
      stop: ['\n'],
      n: 2,
      stream: true,
    });
  });

  it('takes a prompt given as an array of one string', () => {
    expect(completionsToChat({ model: 'm', prompt: ['only one'] }).messages).toEqual([{ role: 'user', content: 'only one' }]);
  });

  it.each([
    [{ echo: true }, 'echo', 'unsupported_value'],
    [{ suffix: 'end' }, 'suffix', 'unsupported_parameter'],
    [{ best_of: 3 }, 'best_of', 'unsupported_parameter'],
    [{ logprobs: 0 }, 'logprobs', 'unsupported_parameter'],
    [{ prompt: ['one', 'two'] }, 'prompt', 'unsupported_value'],
    [{ prompt: [1, 2, 3] }, 'prompt', 'unsupported_value'],
    [{ prompt: [] }, 'prompt', 'invalid_value'],
    [{ prompt: null }, 'prompt', 'invalid_value'],
  ])('refuses %j, naming %s', (extra, param, code) => {
    expect(refusal({ model: 'm', prompt: 'x', ...extra })).toEqual([param, code]);
  });
});

describe('chatToCompletion', () => {
  it('answers each chat choice as a text_completion choice with null logprobs, and keeps usage', () => {
    const completion = chatToCompletion(
      {
        id: 'chatcmpl-9',
        model: 'echo-1',
        choices: [
          { index: 0, message: { content: 'This is a test.' }, finish_reason: 'stop' },
          { index: 1, message: { content: 'This is' }, finish_reason: 'length' },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 },
      },
      identity,
    );
    expect(completion).toEqual({
      id: 'cmpl-1',
      object: 'text_completion',
      created: 1_700_000_000,
      model: 'echo-1',
      choices: [
        { text: 'This is a test.', index: 0, logprobs: null, finish_reason: 'stop' },
        { text: 'This is', index: 1, logprobs: null, finish_reason: 'length' },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 },
    });
  });
});

describe('chatChunkToCompletionChunk', () => {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, index = 0) => ({
    id: 'chatcmpl-9',
    model: 'echo-1',
    choices: [{ index, delta, finish_reason: finish }],
  });

  it('turns content deltas and the finish into text_completion chunks under one id', () => {
    expect(chatChunkToCompletionChunk(chunk({ content: 'Hel' }), identity)).toEqual({
      id: 'cmpl-1',
      object: 'text_completion',
      created: 1_700_000_000,
      model: 'echo-1',
      choices: [{ text: 'Hel', index: 0, logprobs: null, finish_reason: null }],
    });
    expect(chatChunkToCompletionChunk(chunk({}, 'stop', 1), identity)?.choices).toEqual([{ text: '', index: 1, logprobs: null, finish_reason: 'stop' }]);
  });

  it('drops chunks that carry nothing a completion shows, and keeps the usage-only last chunk', () => {
    expect(chatChunkToCompletionChunk(chunk({ role: 'assistant', content: '' }), identity)).toBeUndefined();
    const usage = chatChunkToCompletionChunk({ model: 'echo-1', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }, identity);
    expect(usage).toMatchObject({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
  });
});
