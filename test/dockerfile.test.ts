// No Docker engine runs here or in CI, so the Dockerfile's steps run in a plain shell instead: each
// stage in its own empty directory — COPY (from the context, or from an earlier stage), RUN (npm ci,
// the build, mkdir), ENV — then the last stage's CMD is started with its ENV, its HEALTHCHECK run,
// and it is stopped as `docker stop` would. Not checked: the base image, the non-root user, the volume.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, waitForHealth } from './support/process';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions, with `\` continuations joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

describe('Dockerfile (its steps in a plain shell)', () => {
  const instructions = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'study-docker-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps secrets, data and dependencies out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.env', 'data', 'node_modules', '*.db']) expect(ignored).toContain(entry);
    expect(instructions.find((i) => i.op === 'FROM')?.args).toMatch(/^node:20/);
    expect(instructions.find((i) => i.op === 'USER')?.args).toBe('node');
    expect(instructions.find((i) => i.op === 'VOLUME')?.args).toBe('/app/data');
  });

  it('builds, installs production dependencies only, starts with its CMD and ENV, and passes its HEALTHCHECK', async () => {
    const workdir = instructions.find((i) => i.op === 'WORKDIR')!.args;
    const stages = new Map<string, string>();
    let app = '';
    // The image's absolute paths (/app/...) map onto the current stage's directory.
    const inApp = (text: string) => text.replaceAll(workdir, app);
    const env: Record<string, string> = {};
    for (const i of instructions) {
      if (i.op === 'FROM') {
        app = join(dir, `stage-${stages.size}`);
        mkdirSync(app);
        const name = /\bAS\s+(\S+)/i.exec(i.args)?.[1];
        stages.set(name ?? `stage-${stages.size}`, app);
        for (const key of Object.keys(env)) delete env[key];
      } else if (i.op === 'COPY') {
        const from = /^--from=(\S+)\s+/.exec(i.args);
        const parts = i.args.replace(/^--from=\S+\s+/, '').split(/\s+/);
        const dest = parts.pop()!;
        for (const src of parts) {
          const source = from ? join(stages.get(from[1]!)!, src.replace(workdir, '')) : join(ROOT, src);
          const target = dest.endsWith('/') ? join(app, src) : join(app, dest.replace(/^\.\//, ''));
          cpSync(source, target, { recursive: true });
        }
      } else if (i.op === 'ENV') {
        for (const [, key, value] of i.args.matchAll(/(\w+)=(\S+)/g)) env[key!] = inApp(value!);
      } else if (i.op === 'RUN') {
        for (const step of i.args.split('&&').map((s) => s.trim())) {
          // `npm cache clean` would empty this machine's cache; `chown node:node` needs the image's user.
          if (step.startsWith('npm ci')) {
            execFileSync('sh', ['-c', `${step} --prefer-offline`], { cwd: app, stdio: 'ignore', timeout: 240_000 });
          } else if (step.startsWith('mkdir') || step.startsWith('node ')) {
            execFileSync('sh', ['-c', inApp(step)], { cwd: app, stdio: 'ignore' });
          }
        }
      }
    }
    // What runs is plain JavaScript and production dependencies: no TypeScript compiler, no tsx.
    expect(existsSync(join(app, 'dist/server/node.js'))).toBe(true);
    expect(existsSync(join(app, 'src'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/typescript'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/tsx'))).toBe(false);
    // The image listens on 0.0.0.0 inside its container; here the same server stays on loopback.
    const port = await freePort();
    const runEnv: NodeJS.ProcessEnv = { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port) };
    expect(env.DATABASE_URL).toBe(`file:${app}/data/study.db`);

    const healthcheck = JSON.parse(instructions.find((i) => i.op === 'HEALTHCHECK')!.args.replace(/^.*?CMD\s+/, '')) as string[];
    const check = () =>
      new Promise<number>((resolve) => {
        const probe = spawn(healthcheck[0]!, healthcheck.slice(1), { env: runEnv, stdio: 'ignore' });
        probe.once('exit', (code) => resolve(code ?? 1));
      });
    expect(await check()).toBe(1); // nothing listening yet: the check can fail

    const cmd = JSON.parse(instructions.find((i) => i.op === 'CMD')!.args) as string[];
    const server = spawn(cmd[0]!, cmd.slice(1), { cwd: app, env: runEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const output: string[] = [];
    server.stdout!.on('data', (d) => output.push(String(d)));
    server.stderr!.on('data', (d) => output.push(String(d)));
    try {
      await waitForHealth(`http://127.0.0.1:${port}`, server, 30_000).catch((error) => {
        throw new Error(`${error}\n${output.join('')}`);
      });
      expect(await check()).toBe(0);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/static/htmx.min.js`)).status).toBe(200);
      // `docker stop` signals the CMD's process alone: it must be the server, and stop gracefully.
      const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
      process.kill(server.pid!, 'SIGTERM');
      expect(await exited).toBe(0);
      expect(output.join('')).toContain('"shutdown_complete"');
    } finally {
      try {
        process.kill(-server.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }, 300_000);
});
