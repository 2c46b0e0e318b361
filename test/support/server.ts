// Runs the real server (`npm start`) as a child process in its own process group.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort, waitForHealth } from './process';

export interface ServerProcess {
  base: string;
  child: ChildProcess;
  output: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartOptions {
  /**
   * Run `node dist/server/node.js` itself, as `npm start` does after its build step: for tests that
   * start many servers, having run buildServer() once. The child is then the serving process.
   */
  prebuilt?: boolean;
}

/** `npm start`'s build step (prestart), run once. */
export async function buildServer(): Promise<void> {
  await promisify(execFile)(process.execPath, ['scripts/build-server.mjs']);
}

export async function startServer(env: Record<string, string>, options: StartOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const command = options.prebuilt ? process.execPath : 'npm';
  const args = options.prebuilt ? ['dist/server/node.js'] : ['start', '--silent'];
  const child = spawn(command, args, {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (d) => output.push(String(d)));
  child.stderr!.on('data', (d) => output.push(String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForHealth(base, child);
  return {
    base,
    child,
    output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          // already gone
        }
        await exited;
      }
    },
  };
}
