// Every curl example of README.md and docs/*.md, run with bash against the real server (started as
// `npm start` starts it) on a fresh database per file, in document order, so the ids the examples
// name (`/api/v1/batches/1`) exist. An example answers 2xx, or the status its comment gives
// (`# → 409`). `openai` examples reach the local OpenAI-compatible fake, never the network.
//
// Not run (see NOT_RUN in test/support/doc-examples.ts; test/docs.test.ts fails on any shell line that
// is neither a curl example nor one of these): npm and npx commands (they install, build, start, deploy
// or test the project itself), docker (no engine here: test/dockerfile.test.ts follows the Dockerfile's
// steps), turso and wrangler (accounts: test/worker/ runs the Worker on local workerd and sqld), sqlite3
// (a backup), and fenced blocks that are not shell (Python and TypeScript clients, text listings).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOC_URL, curlExamples, docFiles, expectedStatus, type ShellCommand } from './support/doc-examples';
import { startFakeOpenAI, type FakeOpenAI } from './support/fake-openai';
import { buildServer, startServer } from './support/server';

const ROOT = resolve(import.meta.dirname, '..');
const STATUS_MARK = '\n__status__';
const run = promisify(execFile);
const files = docFiles(ROOT).filter((file) => curlExamples(file).length > 0);

describe('the curl examples of the README and docs/ (issue 23)', () => {
  let fake: FakeOpenAI;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    await buildServer();
  }, 120_000);

  afterAll(async () => {
    await fake?.close();
  });

  it('are found: the README and most pages have some', () => {
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['README.md', 'docs/studies.md', 'docs/gateway.md', 'docs/capture.md']));
    expect(files.flatMap(curlExamples).length).toBeGreaterThan(40);
  });

  for (const file of files) {
    it(`${file.path}: every curl example answers as the page says`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'study-docs-'));
      const downloads = join(dir, 'downloads');
      const server = await startServer(
        {
          DATABASE_URL: `file:${join(dir, 'study.db')}`,
          OPENAI_API_KEY: 'sk-docs-examples-not-a-key',
          OPENAI_BASE_URL: fake.url,
          OPENAI_MODEL: 'gpt-4o-mini',
          OPENAI_MODELS: '',
          STUDY_ACCESS_TOKEN: '',
          ALLOWED_HOSTS: '',
          MODEL_ROUTES: '',
          DEFAULT_PROVIDER: '',
          RETRY_BASE_DELAY_MS: '5',
          RETRY_MAX_DELAY_MS: '50',
        },
        { prebuilt: true },
      );
      const failures: string[] = [];
      const providerRequests = fake.requestCount;
      try {
        mkdirSync(downloads);
        for (const example of curlExamples(file)) {
          const failure = await runExample(example, server.base, downloads);
          if (failure) failures.push(`${file.path}:${example.line}: ${failure}`);
          await waitUntilQuiet(server.base);
        }
      } finally {
        await server.kill();
        rmSync(dir, { recursive: true, force: true });
      }
      expect(failures).toEqual([]);
      // Examples that call `openai` reached the local fake (and so no network). (A price is not a call.)
      const callsOpenAI = (text: string) => !text.includes('/api/v1/prices') && /"(openai\/|provider": ?"openai")/.test(text);
      if (curlExamples(file).some((example) => callsOpenAI(example.text))) {
        expect(fake.requestCount).toBeGreaterThan(providerRequests);
      }
    }, 180_000);
  }
});

/** Runs one example; returns why it failed, or undefined. */
async function runExample(example: ShellCommand, base: string, cwd: string): Promise<string | undefined> {
  const expected = expectedStatus(example);
  const command = `${example.text.replaceAll(DOC_URL, base)} --max-time 60 -w '${STATUS_MARK.replace('\n', '\\n')}%{http_code}'`;
  const before = new Set(readdirSync(cwd));
  let stdout: string;
  try {
    ({ stdout } = await run('bash', ['-c', command], { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 90_000 }));
  } catch (error) {
    const { code, stderr } = error as { code?: number; stderr?: string };
    return `curl failed (exit ${code}): ${stderr?.trim().slice(0, 300)}`;
  }
  const at = stdout.lastIndexOf(STATUS_MARK);
  const status = Number(stdout.slice(at + STATUS_MARK.length));
  const body = stdout.slice(0, at).trim().slice(0, 300);
  const ok = expected === undefined ? status >= 200 && status < 300 : status === expected;
  if (!ok) return `expected ${expected ?? '2xx'}, got ${status}: ${body}`;
  if (/\s-\w*O/.test(example.text) && readdirSync(cwd).every((name) => before.has(name))) {
    return `answered ${status} but downloaded no new file`;
  }
  return undefined;
}

/**
 * A reader watches a study's progress before going on; the test waits the same way, until no study
 * runs and no scoring run is under way, so the next example sees a settled study.
 */
async function waitUntilQuiet(base: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { batches } = (await (await fetch(`${base}/api/v1/batches`)).json()) as { batches: Array<{ id: number; status: string }> };
    let busy = batches.some((b) => b.status === 'running' || b.status === 'cancelling');
    for (const batch of busy ? [] : batches) {
      const { runs } = (await (await fetch(`${base}/api/v1/batches/${batch.id}/scoring`)).json()) as { runs: Array<{ status: string }> };
      busy ||= runs.some((r) => r.status === 'running');
    }
    if (!busy) return;
    if (Date.now() > deadline) throw new Error('a study or a scoring run was still running after 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}
