// The README and docs/ stay true to the code without a server: every shell command is either a curl
// example (run by test/docs-examples.test.ts) or of a kind listed as not run; links and named files
// exist; src/config.ts, .env.example and docs/configuration.md list the same settings.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envSchema, loadConfig } from '../src/config';
import {
  DOC_URL,
  NOT_RUN,
  SHELL_LANGS,
  curlExamples,
  docFiles,
  expectedStatus,
  fencedBlocks,
  programOf,
  shellCommands,
  shellCommandsOf,
} from './support/doc-examples';

const ROOT = resolve(import.meta.dirname, '..');
const files = docFiles(ROOT);
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Pages written on another branch at the same time as these (issue 23): linked before they land. */
const PENDING_PAGES = new Set<string>([]);
/** Files the docs name that tools write: results of `npm run bench`, screenshots of the browser tests. */
const GENERATED = new Set(['bench/results.json', 'test/artifacts/']);

/** GitHub's heading anchors: lower case, punctuation dropped, each space a hyphen, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const outsideFences = markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, '');
  for (const [, heading] of outsideFences.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const slug = heading!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

describe('the README and docs/ (issue 23)', () => {
  it('keep the README short: at most 250 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(250);
  });

  it('link every docs page from the README', () => {
    const readme = read('README.md');
    const pages = [...files.map((f) => f.path).filter((p) => p.startsWith('docs/')), ...PENDING_PAGES];
    expect(pages.filter((page) => !readme.includes(`](${page})`))).toEqual([]);
  });

  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of files) {
      const prose = file.markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, '');
      for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const resolved = path === '' ? file.path : normalize(join(dirname(file.path), path));
        if (PENDING_PAGES.has(resolved)) continue;
        if (!existsSync(join(ROOT, resolved))) {
          broken.push(`${file.path}: ${target} (no ${resolved})`);
          continue;
        }
        if (anchor && resolved.endsWith('.md') && !anchors(read(resolved)).has(anchor)) broken.push(`${file.path}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('name only files and folders of the repository that exist', () => {
    const missing: string[] = [];
    for (const file of files) {
      for (const [, path] of file.markdown.matchAll(/`((?:src|test|bench|scripts|views|public|drizzle|docs)\/[\w./-]*)`/g)) {
        if (!GENERATED.has(path!) && !existsSync(join(ROOT, path!))) missing.push(`${file.path}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('have only shell commands that are curl examples against the app, or of a kind the example test does not run', () => {
    const unclassified: string[] = [];
    const offSite: string[] = [];
    for (const file of files) {
      for (const command of shellCommandsOf(file)) {
        const program = programOf(command.text);
        if (program === 'curl') {
          const urls = command.text.match(/[a-z]+:\/\/[^\s'"]+/g) ?? [];
          if (urls.length === 0 || urls.some((url) => !url.startsWith(DOC_URL))) offSite.push(`${file.path}:${command.line}: ${command.text.slice(0, 100)}`);
        } else if (!NOT_RUN.some((kind) => kind.program.test(program))) {
          unclassified.push(`${file.path}:${command.line}: ${program}`);
        }
      }
    }
    expect(unclassified, 'a new kind of command: make it a curl example, or add it to NOT_RUN with the reason').toEqual([]);
    expect(offSite, 'a curl example must reach the app at http://localhost:8787 and nothing else').toEqual([]);
  });

  it('list the same settings in src/config.ts, .env.example and docs/configuration.md', () => {
    const read_ = Object.keys(envSchema.shape).sort();
    const example = read('.env.example');
    const listed = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!).filter((name) => !name.startsWith('LLM_ENDPOINT_'));
    expect([...new Set(listed)].sort()).toEqual(read_);
    expect(example).toMatch(/LLM_ENDPOINT_<NAME>_BASE_URL/);

    const configuration = read('docs/configuration.md');
    expect(read_.filter((name) => !configuration.includes(`\`${name}\``))).toEqual([]);
    expect(configuration).toMatch(/LLM_ENDPOINT_<NAME>_BASE_URL/);
    const documented = [...configuration.matchAll(/^\|([^|]*)\|/gm)].flatMap((row) => [...row[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!));
    expect(documented.filter((name) => !read_.includes(name))).toEqual([]);
  });

  it('show in .env.example the values the app takes when a setting is left out', () => {
    // Every provider present, so that each provider's settings have something to change.
    const base = { OPENAI_API_KEY: 'sk-a', AZURE_OPENAI_API_KEY: 'az-a', AZURE_OPENAI_ENDPOINT: 'https://azure.example', AZURE_OPENAI_DEPLOYMENT: 'd', HYPERBOLIC_API_KEY: 'hy-a' };
    const shown = [...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]*)=(.+)$/gm)].map((m) => [m[1]!, m[2]!.trim()] as const);
    expect(shown.length).toBeGreaterThan(20);
    const differing = shown.filter(([name, value]) => JSON.stringify(loadConfig({ ...base, [name]: value })) !== JSON.stringify(loadConfig(base)));
    expect(differing).toEqual([]);
  });
});

describe('reading shell examples out of markdown', () => {
  const markdown = [
    '# Page',
    '',
    '```bash',
    '# a comment line',
    "curl -s http://localhost:8787/a -d '{",
    '  "x": "# not a comment",',
    '  "y": 1}\'   # → 409: already done',
    'curl -s http://localhost:8787/b \\',
    "  -H 'x-h: 1'",
    'HOST=0.0.0.0 TOKEN=$(openssl rand -hex 32) npm start',
    '```',
    '',
    '   ```bash',
    '   curl -s http://localhost:8787/c   # progress',
    '   ```',
    '```python',
    'print("curl")',
    '```',
  ].join('\n');

  it('splits commands as bash does: across quoted newlines and trailing backslashes, comments apart', () => {
    const blocks = fencedBlocks(markdown);
    expect(blocks.map((b) => b.lang)).toEqual(['bash', 'bash', 'python']);
    const commands = blocks.filter((b) => SHELL_LANGS.has(b.lang)).flatMap(shellCommands);
    expect(commands.map((c) => c.line)).toEqual([5, 8, 10, 14]);
    expect(commands[0]!.text).toBe("curl -s http://localhost:8787/a -d '{\n  \"x\": \"# not a comment\",\n  \"y\": 1}'");
    expect(expectedStatus(commands[0]!)).toBe(409);
    expect(commands[1]!.text).toBe("curl -s http://localhost:8787/b \\\n  -H 'x-h: 1'");
    expect(expectedStatus(commands[1]!)).toBeUndefined();
    expect(programOf(commands[2]!.text)).toBe('npm');
    expect(commands[3]).toMatchObject({ text: 'curl -s http://localhost:8787/c', comment: 'progress' });
  });

  it('finds the curl examples of a file and nothing from other languages', () => {
    expect(curlExamples({ path: 'x.md', markdown }).map((c) => c.line)).toEqual([5, 8, 14]);
  });

  it('refuses a command left open, rather than running half of it', () => {
    expect(() => shellCommands({ lang: 'bash', line: 1, lines: ["curl -d '{"] })).toThrow(/unfinished command/);
  });
});
