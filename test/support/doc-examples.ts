// The shell examples of README.md and docs/*.md, read the way bash reads them: fenced ```bash blocks,
// split into commands (a command goes on past a trailing `\` and past a newline inside quotes), each
// with its line and its trailing comment. A comment holding `→ NNN` says the example answers NNN
// (an example that demonstrates an error); every other curl example must answer 2xx.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ShellCommand {
  /** The command as written (continuation lines and multi-line quotes kept, comments removed). */
  text: string;
  /** 1-based line of the file where the command starts. */
  line: number;
  /** The comments written on the command's lines, without `#`. */
  comment: string;
}

export interface FencedBlock {
  lang: string;
  /** 1-based line of the file holding the block's first content line. */
  line: number;
  lines: string[];
}

export function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = markdown.split('\n');
  let open: FencedBlock | undefined;
  let fence = '';
  lines.forEach((raw, index) => {
    const trimmed = raw.trimStart();
    if (!open) {
      const start = /^(`{3,})\s*([\w+-]*)/.exec(trimmed);
      if (start) {
        fence = start[1]!;
        open = { lang: start[2]!.toLowerCase(), line: index + 2, lines: [] };
      }
      return;
    }
    if (trimmed.startsWith(fence) && trimmed.slice(fence.length).trim() === '') {
      blocks.push(open);
      open = undefined;
      return;
    }
    open.lines.push(raw);
  });
  if (open) throw new Error(`unclosed code fence opened before line ${(open as FencedBlock).line}`);
  return blocks;
}

export const SHELL_LANGS = new Set(['bash', 'sh', 'shell', 'console']);

/** The commands of one shell block, split as bash splits them (quotes, `\`-newline, `#` comments). */
export function shellCommands(block: FencedBlock): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let text = '';
  let comment = '';
  let start = 0;
  let quote: "'" | '"' | undefined;
  // A block inside a list item is indented as a whole.
  const indent = Math.min(...block.lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  block.lines.forEach((raw, index) => {
    const line = raw.slice(Math.min(indent, /^ */.exec(raw)![0].length));
    if (text === '' && quote === undefined) start = block.line + index;
    let kept = '';
    let continued = false;
    for (let i = 0; i < line.length; i++) {
      const char = line[i]!;
      if (quote) {
        kept += char;
        if (char === '\\' && quote === '"' && i + 1 < line.length) kept += line[++i];
        else if (char === quote) quote = undefined;
        continue;
      }
      if (char === '\\') {
        if (i === line.length - 1) {
          continued = true;
          kept += char;
          break;
        }
        kept += char + line[++i];
        continue;
      }
      if (char === "'" || char === '"') quote = char;
      if (char === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
        comment += `${comment ? ' ' : ''}${line.slice(i + 1).trim()}`;
        break;
      }
      kept += char;
    }
    text += kept.replace(/\s+$/, (space) => (quote ? space : ''));
    if (quote || continued) {
      text += '\n';
      return;
    }
    if (text.trim() !== '') commands.push({ text: text.trim(), line: start, comment });
    text = '';
    comment = '';
  });
  if (quote || text.trim() !== '') throw new Error(`unfinished command at line ${start}: ${text.slice(0, 80)}`);
  return commands;
}

/** What an example says it answers: the `→ NNN` of its comment, else any 2xx. */
export function expectedStatus(command: ShellCommand): number | undefined {
  const match = /→\s*(\d{3})\b/.exec(command.comment);
  return match ? Number(match[1]) : undefined;
}

/** The program a command runs, after any leading `NAME=value` settings. */
export function programOf(text: string): string {
  const withoutSettings = text.replace(/^(?:[A-Z_][A-Z0-9_]*=(?:\$\([^)]*\)|'[^']*'|"[^"]*"|[^\s'"])*\s+)+/, '');
  return withoutSettings.split(/\s+/)[0]!;
}

/**
 * Shell commands the example test does not run, and why. Every shell line of the docs is either a
 * curl example (run) or one of these; anything else fails the docs test until it is classified.
 */
export const NOT_RUN: ReadonlyArray<{ program: RegExp; why: string }> = [
  { program: /^npm$/, why: 'npm installs, builds, starts, tests or benchmarks the project itself: the examples run against a server started as npm start starts it' },
  { program: /^npx$/, why: 'npx runs wrangler (Cloudflare account), tsx benches or the test tools: not an example of the app answering' },
  { program: /^docker$/, why: 'needs a Docker engine; test/dockerfile.test.ts follows the Dockerfile\'s steps in a plain shell instead' },
  { program: /^turso$/, why: 'needs a Turso account; test/worker/ runs the Worker against a local sqld instead' },
  { program: /^sqlite3$/, why: 'a backup of a stopped server\'s file, not a request' },
];

/** Fenced blocks in other languages are not run either: Python and TypeScript clients are shown, and their own tests drive them. */
export const NOT_SHELL_WHY = 'client code (Python, TypeScript) and listings (text) are not shell: the gateway tests drive the official openai SDK instead';

export const DOC_URL = 'http://localhost:8787';

export interface DocFile {
  path: string;
  markdown: string;
}

/** README.md and every docs/*.md, in name order. */
export function docFiles(root: string): DocFile[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs].map((path) => ({ path, markdown: readFileSync(join(root, path), 'utf8') }));
}

export function shellCommandsOf(file: DocFile): ShellCommand[] {
  return fencedBlocks(file.markdown)
    .filter((block) => SHELL_LANGS.has(block.lang))
    .flatMap(shellCommands);
}

export function curlExamples(file: DocFile): ShellCommand[] {
  return shellCommandsOf(file).filter((command) => programOf(command.text) === 'curl');
}
