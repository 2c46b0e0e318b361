// A study task's prompt: the item's prompt put into the study template at {user_input}, and the
// item's vars filled in at {name}, in the template and in the prompt. Each placeholder is filled
// once: what a var or the prompt brings in is never read for placeholders again, so a var holding
// "{other}" stays literal and no item can make its prompt grow by feeding vars into each other.
// The size of the filled-in prompt is also worked out without building it (filledPromptBytes), so a
// template that repeats a placeholder thousands of times is refused before anything is made.

/** `{name}`: what the template and the prompt may name (vars are letters, digits and _, as validated). */
const PLACEHOLDER = /\{(\w{1,64})\}/g;
const USER_INPUT = 'user_input';

export interface PromptParts {
  prompt?: string | null;
  vars?: Record<string, string> | null;
}

export function fillPrompt(item: PromptParts, template: string | null | undefined): string {
  const vars = item.vars ?? {};
  const fill = (text: string, userInput?: string) =>
    text.replace(PLACEHOLDER, (token, name: string) => {
      if (userInput !== undefined && name === USER_INPUT) return userInput;
      return Object.hasOwn(vars, name) ? vars[name]! : token;
    });
  const prompt = fill(item.prompt ?? '');
  return template ? fill(template, prompt) : prompt;
}

/** A text as filledPromptBytes reads it: its size in a JSON request, and how often it names each placeholder. */
export interface ScannedText {
  bytes: number;
  placeholders: Map<string, number>;
}

export function scanText(text: string): ScannedText {
  const placeholders = new Map<string, number>();
  for (const match of text.matchAll(PLACEHOLDER)) placeholders.set(match[1]!, (placeholders.get(match[1]!) ?? 0) + 1);
  return { bytes: jsonStringBytes(text), placeholders };
}

/** What makes a filled-in prompt big: the placeholder that adds the most, where, and how often. */
export interface LargestPart {
  placeholder: string;
  where: 'template' | 'prompt';
  count: number;
  bytes: number;
}

export interface PromptSize {
  /** Bytes of the prompt as one user message in a request body: the measure /api/v1/inference uses. */
  bytes: number;
  largest?: LargestPart;
}


/** An item's own messages as they are sent: the same measure. */
export const messagesBytes = (messages: readonly unknown[]) => new TextEncoder().encode(JSON.stringify(messages)).byteLength;

const USER_MESSAGE_BYTES = messagesBytes([{ role: 'user', content: '' }]);

/**
 * The size fillPrompt's result would have, as a user message in JSON (what is sent and stored),
 * from placeholder counts and lengths: linear in what the item and template hold, however many
 * times the template repeats a placeholder. `template` is scanned once per study (scanText).
 */
export function filledPromptBytes(item: PromptParts, template: ScannedText | null): PromptSize {
  return filledPromptSizes(item, [template])[0]!;
}

/**
 * filledPromptBytes through each of several templates (a study's prompt variants), the item's prompt
 * scanned once for all of them: a prompt of a million characters is read once, not once per template.
 */
export function filledPromptSizes(item: PromptParts, templates: ReadonlyArray<ScannedText | null>): PromptSize[] {
  const vars = item.vars ?? {};
  const valueBytes = new Map<string, number>();
  const bytesOf = (name: string) => {
    let bytes = valueBytes.get(name);
    if (bytes === undefined) valueBytes.set(name, (bytes = jsonStringBytes(vars[name]!)));
    return bytes;
  };
  const larger = (a: LargestPart | undefined, b: LargestPart) => (!a || b.count * b.bytes > a.count * a.bytes ? b : a);
  // The placeholder itself ({name}: ASCII, nothing to escape) gives way to what fills it.
  const growth = (part: LargestPart) => part.count * (part.bytes - (part.placeholder.length + 2));

  const prompt = scanText(item.prompt ?? '');
  let promptBytes = prompt.bytes;
  let promptLargest: LargestPart | undefined;
  for (const [name, count] of prompt.placeholders) {
    if (!Object.hasOwn(vars, name)) continue;
    const part: LargestPart = { placeholder: name, where: 'prompt', count, bytes: bytesOf(name) };
    promptLargest = larger(promptLargest, part);
    promptBytes += growth(part);
  }
  return templates.map((template) => {
    if (!template) return { bytes: USER_MESSAGE_BYTES + promptBytes, largest: promptLargest };
    let largest = promptLargest;
    let bytes = template.bytes;
    const add = (part: LargestPart) => {
      largest = larger(largest, part);
      bytes += growth(part);
    };
    const slots = template.placeholders.get(USER_INPUT);
    if (slots) add({ placeholder: USER_INPUT, where: 'template', count: slots, bytes: promptBytes });
    for (const name of Object.keys(vars)) {
      const count = name === USER_INPUT ? undefined : template.placeholders.get(name);
      if (count) add({ placeholder: name, where: 'template', count, bytes: bytesOf(name) });
    }
    return { bytes: USER_MESSAGE_BYTES + bytes, largest };
  });
}

/**
 * UTF-8 bytes of `text` as JSON.stringify writes it, less the two quotes: quotes, backslashes and
 * control characters escaped, lone surrogates written as \uXXXX. Counted, not built.
 */
export function jsonStringBytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20) bytes += code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 2 : 6;
    else if (code === 0x22 || code === 0x5c) bytes += 2;
    else if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 6;
    } else if (code >= 0xdc00 && code <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}
