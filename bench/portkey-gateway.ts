// Portkey's AI gateway (a Hono gateway that stores nothing), run as its own server process for the
// side-by-side benchmark. Not a project dependency: installed on first use, scripts off, into
// node_modules/.cache/portkey-gateway, with @hono/node-server held at 1.13.8 (an npm override, so the
// copy the gateway nests for itself is pinned too) for the response streams it was built against.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PORTKEY_VERSION = '1.15.2';
const NODE_SERVER_VERSION = '1.13.8';
const CACHE = fileURLToPath(new URL('../node_modules/.cache/portkey-gateway', import.meta.url));
const ENTRY = join(CACHE, 'node_modules/@portkey-ai/gateway/build/start-server.js');
const STAMP = join(CACHE, `installed-${PORTKEY_VERSION}-${NODE_SERVER_VERSION}`);

/** The gateway's start script: the cached one, else installed now from the npm registry. */
export function portkeyEntry(): string {
  if (existsSync(STAMP) && existsSync(ENTRY)) return ENTRY;
  mkdirSync(CACHE, { recursive: true });
  const manifest = {
    private: true,
    dependencies: { '@portkey-ai/gateway': PORTKEY_VERSION, '@hono/node-server': NODE_SERVER_VERSION },
    overrides: { '@hono/node-server': NODE_SERVER_VERSION },
  };
  writeFileSync(join(CACHE, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  execFileSync('npm', ['install', '--ignore-scripts', '--no-package-lock', '--no-audit', '--no-fund'], {
    cwd: CACHE,
    stdio: 'ignore',
    timeout: 300_000,
  });
  writeFileSync(STAMP, '');
  return ENTRY;
}

/**
 * Starts the gateway on `port` (headless: no log UI) and waits until it answers. Its console output
 * is read and dropped, as a log collector would.
 */
export async function startPortkey(port: number): Promise<{ base: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [portkeyEntry(), `--port=${port}`, '--headless'], {
    cwd: CACHE,
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.resume();
  child.stderr!.resume();
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Portkey gateway exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('Portkey gateway did not start in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    base,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
