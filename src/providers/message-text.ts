// The text of a chat message's content: a string, or the text parts of a multi-part content.
export function contentText(content: string | Array<Record<string, unknown>>): string {
  if (typeof content === 'string') return content;
  return content.map((part) => (typeof part.text === 'string' ? part.text : '')).join(' ');
}
