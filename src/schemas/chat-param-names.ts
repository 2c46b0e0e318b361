// The sampling parameters this app knows by name, so that a misspelt one (`temprature`) is refused with
// a suggestion instead of making targets that differ in nothing. The gateway is not checked: its
// clients send provider-specific fields on purpose.
import { distance } from 'fastest-levenshtein';
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';

/** Every field of a chat.completions request in the installed `openai` SDK (checked below at compile time). */
const OPENAI_CHAT_PARAMS = [
  'messages', 'model', 'audio', 'frequency_penalty', 'function_call', 'functions', 'logit_bias', 'logprobs',
  'max_completion_tokens', 'max_tokens', 'metadata', 'modalities', 'moderation', 'n', 'parallel_tool_calls', 'prediction',
  'presence_penalty', 'prompt_cache_key', 'prompt_cache_options', 'prompt_cache_retention', 'reasoning_effort',
  'response_format', 'safety_identifier', 'seed', 'service_tier', 'stop', 'store', 'stream', 'stream_options',
  'temperature', 'tool_choice', 'tools', 'top_logprobs', 'top_p', 'user', 'verbosity', 'web_search_options',
] as const satisfies ReadonlyArray<keyof ChatCompletionCreateParamsBase>;

// A compile error here means the SDK gained a parameter: add it to OPENAI_CHAT_PARAMS.
type MissingFromList = Exclude<keyof ChatCompletionCreateParamsBase, (typeof OPENAI_CHAT_PARAMS)[number]>;
const listIsComplete: [MissingFromList] extends [never] ? true : MissingFromList = true;
void listIsComplete;

/**
 * Sampling parameters OpenAI-compatible servers commonly add: vLLM (top_k, min_p, repetition_penalty,
 * min_tokens, chat_template_kwargs), llama.cpp and Ollama (top_k, min_p, typical_p, repeat_penalty),
 * OpenRouter and Together (top_k, min_p, repetition_penalty). Anything else needs allow_unknown_params.
 */
export const PROVIDER_CHAT_PARAMS = ['top_k', 'min_p', 'typical_p', 'repetition_penalty', 'repeat_penalty', 'min_tokens', 'chat_template_kwargs'] as const;

const KNOWN = new Set<string>([...OPENAI_CHAT_PARAMS, ...PROVIDER_CHAT_PARAMS]);
/** What a suggestion is chosen from: the known names (a refused one such as `n` is never suggested). */
const SUGGESTIBLE = [...KNOWN].filter((name) => name.length > 1);
/** Longer names are not compared (a name is at most this long in a sweep; a 1 MB key costs nothing to refuse). */
const MAX_COMPARED_LENGTH = 64;
/** Unknown names reported per object: the first few say what is wrong. */
const MAX_REPORTED = 5;

export const isKnownChatParam = (name: string): boolean => KNOWN.has(name);

/** The known name closest to `name` by edit distance, when it is close enough to be a slip. */
export function nearestChatParam(name: string): string | undefined {
  if (name.length > MAX_COMPARED_LENGTH) return undefined;
  const lowered = name.toLowerCase().replace(/[\s-]/g, '_');
  let best: { name: string; distance: number } | undefined;
  for (const known of SUGGESTIBLE) {
    const d = distance(lowered, known);
    if (!best || d < best.distance) best = { name: known, distance: d };
  }
  // At most a third of the name's letters (and at least 2) may differ: "temprature" → temperature, "foo" → nothing.
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) && best.distance < name.length ? best.name : undefined;
}

/** Why `name` is refused: unknown, with the nearest known name, and how to send it anyway. */
export function unknownParamMessage(name: string, allowOn = 'on the target'): string {
  const nearest = nearestChatParam(name);
  const shown = name.length > MAX_COMPARED_LENGTH ? `${name.slice(0, MAX_COMPARED_LENGTH)}…` : name;
  return `unknown parameter "${shown}"${nearest ? `; did you mean ${nearest}?` : ''} (known: the OpenAI chat-completions parameters and ${PROVIDER_CHAT_PARAMS.join(', ')}; to send it anyway, set "allow_unknown_params": true ${allowOn})`;
}

/** The unknown names among `names` (at most a few), each with its message. */
export function unknownParams(names: Iterable<string>, allowOn?: string): Array<{ name: string; message: string }> {
  const found: Array<{ name: string; message: string }> = [];
  for (const name of names) {
    if (KNOWN.has(name)) continue;
    found.push({ name, message: unknownParamMessage(name, allowOn) });
    if (found.length >= MAX_REPORTED) break;
  }
  return found;
}
