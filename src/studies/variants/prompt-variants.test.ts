import { describe, expect, it } from 'vitest';
import { expandPromptVariants, itemTemplate, targetTemplate, targetTemplates } from './prompt-variants';

const prompts = [{ name: 'terse', template: 'One word: {user_input}' }, { name: 'plain', template: '{user_input}' }];

describe('prompt variants', () => {
  it('crosses every target with every variant, the variants varying fastest', () => {
    const targets = [{ provider: 'p', model: 'a', params: {} }, { provider: 'p', model: 'b', params: { seed: 1 } }];
    expect(expandPromptVariants(targets, prompts).map((t) => `${t.model}·${t.prompt_name}`)).toEqual(['a·terse', 'a·plain', 'b·terse', 'b·plain']);
    expect(expandPromptVariants(targets, prompts)[3]!.params).toEqual({ seed: 1 });
    expect(expandPromptVariants(targets, undefined)).toEqual(targets);
  });

  it("gives each target its variant's template, or the study's one template", () => {
    const study = {
      template: null,
      targetsJson: expandPromptVariants([{ provider: 'p', model: 'a', params: {} }], prompts),
      optionsJson: { prompts },
    };
    expect(targetTemplates(study)).toEqual(['One word: {user_input}', '{user_input}']);
    expect(targetTemplate(study, 1)).toBe('{user_input}');
    expect(itemTemplate(study)).toBe('One word: {user_input}');
    const single = { template: 'T {user_input}', targetsJson: [{ provider: 'p', model: 'a', params: {} }], optionsJson: {} };
    expect(targetTemplates(single)).toEqual(['T {user_input}']);
    expect(targetTemplate(single, 0)).toBe('T {user_input}');
    expect(itemTemplate({ template: null, optionsJson: {} })).toBeNull();
  });
});
