// A study's targets as they run: each given target on its configured provider (its default model when
// none is named), expanded once per combination of the sweep, then once per prompt variant. Starting and estimating a study share it.
import type { StudyTarget } from '../db/schema';
import type { ProviderRegistry } from '../providers/registry';
import type { StudyInput } from '../schemas/study-requests';
import { configuredProvider } from './runner/background-run';
import { expandSweep } from './sweeps';
import { expandPromptVariants } from './variants/prompt-variants';

export function studyTargets(providers: ProviderRegistry, input: Pick<StudyInput, 'targets' | 'sweep' | 'prompts'>): StudyTarget[] {
  const given: StudyTarget[] = input.targets.map((t, i) => {
    const provider = configuredProvider(providers, t.provider, `targets.${i}.provider`);
    return { provider: provider.name, model: t.model ?? provider.defaultModel, params: t.params ?? {} };
  });
  return expandPromptVariants(expandSweep(given, input.sweep), input.prompts);
}
