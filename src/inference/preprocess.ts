// Prompt preprocessing: whitespace cleanup, PII removal, truncation, then the template.
export interface PreprocessOptions {
  whitespace?: boolean;
  remove_pii?: boolean;
  max_chars?: number;
}

export interface PreprocessResult {
  text: string;
  applied: string[];
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// US-style numbers (555-123-4567, (555) 123 4567) and international ones starting with +.
const PHONE = /(?:\+\d{1,3}[\s.-]?)?(?:\(\d{3}\)|\b\d{3})[\s.-]?\d{3}[\s.-]?\d{4}\b|\+\d{1,3}(?:[\s.-]?\d{2,4}){2,5}\b/g;
export const USER_INPUT_SLOT = '{user_input}';

export function cleanWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function removePii(text: string): string {
  return text.replace(EMAIL, '[EMAIL]').replace(PHONE, '[PHONE]');
}

export function truncate(text: string, maxChars: number): string {
  return text.length > maxChars ? `${text.slice(0, Math.max(0, maxChars - 1))}…` : text;
}

export function applyTemplate(text: string, template: string): string {
  return template.split(USER_INPUT_SLOT).join(text);
}

export function preprocessPrompt(prompt: string, options: PreprocessOptions, template?: string): PreprocessResult {
  const applied: string[] = [];
  let text = prompt;
  const step = (name: string, next: string) => {
    if (next !== text) applied.push(name);
    text = next;
  };
  if (options.whitespace) step('whitespace', cleanWhitespace(text));
  if (options.remove_pii) step('remove_pii', removePii(text));
  if (options.max_chars !== undefined) step('truncate', truncate(text, options.max_chars));
  if (template !== undefined) step('template', applyTemplate(text, template));
  return { text, applied };
}
